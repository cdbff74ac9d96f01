import { describe, expect, it } from 'vitest'
import { BackgroundTasks } from './background-tasks.js'

describe('background tasks (issue 13)', () => {
  it('a task runs after the caller returns; settled() waits for it and for the tasks it starts', async () => {
    const tasks = new BackgroundTasks()
    const order: string[] = []
    const log = { error: () => order.push('logged') }
    tasks.run('outer', log, async () => {
      order.push('outer')
      tasks.run('inner', log, async () => {
        order.push('inner')
      })
    })
    order.push('caller')
    await tasks.settled()
    expect(order).toEqual(['caller', 'outer', 'inner'])
  })

  it('a failure is logged with the task\'s name and the error\'s name and message only, never its other properties', async () => {
    const tasks = new BackgroundTasks()
    const logged: Record<string, unknown>[] = []
    tasks.run('mail', { error: (details) => logged.push(details) }, async () => {
      throw Object.assign(new Error('connection refused'), { link: 'https://op.example/reset?token=secret' })
    })
    await tasks.settled()
    expect(logged).toEqual([{ task: 'mail', err: { name: 'Error', message: 'connection refused' } }])
    expect(JSON.stringify(logged)).not.toContain('secret')
  })
})
