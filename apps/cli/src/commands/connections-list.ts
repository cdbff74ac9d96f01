/**
 * `latch connections list` (issue 12): every connection of the tenant, from the config file or the
 * CLI alike, with the redirect URI each upstream must have registered. Secrets are never printed
 * (not even encrypted); `--json` gives the config file's key names.
 */
import type { Command } from 'commander'
import { connectionCallbackUrl, type ConnectionRecord } from '@latch/server/admin'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { note, printJson, printTable } from '../output.js'

/** A connection as the CLI shows it: its settings and where it came from, without its secrets or digest. */
export function publicConnection(c: ConnectionRecord, issuer: string): Record<string, unknown> {
  const { secrets_encrypted: _secrets, digest: _digest, settings, ...rest } = c
  return { ...settings, ...rest, redirect_uri: connectionCallbackUrl(issuer, c.id) }
}

export function connectionsList(parent: Command): void {
  withConfigOption(
    parent.command('list').description('list connections (upstream identity providers)').option('--json', 'print a JSON array'),
  ).action(async (opts: CommonOptions & { json?: boolean }) => {
    await withStore(opts, async ({ config, store }) => {
      const connections = (await store.connections.list()).sort((a, b) => a.id.localeCompare(b.id))
      if (opts.json) return printJson(connections.map((c) => publicConnection(c, config.issuer)))
      if (connections.length === 0) return note('no connections')
      printTable(
        ['ID', 'TYPE', 'NAME', 'ORGANIZATION', 'SOURCE', 'REDIRECT_URI'],
        connections.map((c) => [c.id, c.type, c.display_name, c.organization_id ?? '-', c.source, connectionCallbackUrl(config.issuer, c.id)]),
      )
    })
  })
}
