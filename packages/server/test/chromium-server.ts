/**
 * The vitest global setup of the shared Chromium (chromium.ts): a broker on 127.0.0.1 that
 * launches one Chromium server (`chromium.launchServer`, SHARED_CHROMIUM_ARGS) when a browser
 * file first asks, and answers every ask with its WebSocket endpoint; the run's end closes both.
 * One launch per run instead of one per browser file, and none for a run without a browser file.
 * Every project inherits this setup: they share one broker (counted, the last teardown closes it).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserServer } from 'playwright-core'
import type { TestProject } from 'vitest/node'
import { CHROMIUM, SHARED_CHROMIUM_ARGS, hasChromium } from './chromium.js'

interface Broker {
  url: string
  users: number
  close(): Promise<void>
}

const state = globalThis as { latchChromiumBroker?: Promise<Broker> }

async function startBroker(): Promise<Broker> {
  let browser: Promise<BrowserServer> | undefined
  const server: Server = createServer((_req, res) => {
    browser ??= import('playwright-core').then(({ chromium }) => chromium.launchServer({ executablePath: CHROMIUM, args: SHARED_CHROMIUM_ARGS }))
    browser.then(
      (b) => res.writeHead(200, { 'content-type': 'text/plain' }).end(b.wsEndpoint()),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err)),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    users: 0,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await (await browser?.catch(() => undefined))?.close()
    },
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!hasChromium) return undefined
  state.latchChromiumBroker ??= startBroker()
  const broker = await state.latchChromiumBroker
  broker.users += 1
  project.provide('chromiumBroker', broker.url)
  return async () => {
    broker.users -= 1
    if (broker.users > 0) return
    state.latchChromiumBroker = undefined
    await broker.close()
  }
}
