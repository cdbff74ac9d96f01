/**
 * `latch clients list`: every registered client, from the config file or the CLI alike. The
 * secret's hash is never printed; `--json` gives RFC 7591 metadata names.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
import type { Command } from 'commander'
import type { ClientRecord } from '@latch/server/admin'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { note, printJson, printTable } from '../output.js'

/** A client as the CLI shows it: its metadata, without `client_secret_hash`. */
export function publicClient(c: ClientRecord): Omit<ClientRecord, 'client_secret_hash'> {
  const { client_secret_hash: _hash, ...rest } = c
  return rest
}

export function clientsList(parent: Command): void {
  withConfigOption(
    parent.command('list').description('list clients').option('--json', 'print a JSON array'),
  ).action(async (opts: CommonOptions & { json?: boolean }) => {
    await withStore(opts, async ({ store }) => {
      const clients = (await store.clients.list()).sort((a, b) => a.client_id.localeCompare(b.client_id))
      if (opts.json) return printJson(clients.map(publicClient))
      if (clients.length === 0) return note('no clients')
      printTable(
        ['CLIENT_ID', 'NAME', 'AUTH_METHOD', 'GRANT_TYPES', 'SCOPE', 'REDIRECT_URIS'],
        clients.map((c) => [c.client_id, c.client_name, c.token_endpoint_auth_method, c.grant_types.join(','), c.scope, c.redirect_uris.join(',')]),
      )
    })
  })
}
