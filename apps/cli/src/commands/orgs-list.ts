/**
 * `latch orgs list [--json]`: every organization (issue 10), by id, with its email domains.
 */
import type { Command } from 'commander'
import type { LatchConfig } from '@latch/server/admin'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { isoTime, note, printJson, printTable } from '../output.js'

/** Whether the config file lists the organization (the next `latch serve` upserts it from the file). */
export function inConfigFile(config: LatchConfig, id: string): boolean {
  return config.organizations.some((o) => o.id === id)
}

export function orgsList(parent: Command): void {
  withConfigOption(parent.command('list').description('list organizations').option('--json', 'print a JSON array')).action(
    async (opts: CommonOptions & { json?: boolean }) => {
      await withStore(opts, async ({ store }) => {
        const organizations = await store.organizations.list()
        if (opts.json) return printJson(organizations)
        if (organizations.length === 0) return note('no organizations')
        printTable(
          ['ID', 'NAME', 'DOMAINS', 'CREATED_AT'],
          organizations.map((o) => [o.id, o.name, o.domains.length > 0 ? o.domains.join(',') : '-', isoTime(o.created_at)]),
        )
      })
    },
  )
}
