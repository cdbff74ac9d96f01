/**
 * `latch tenants list [--json]` (issue 11): the default tenant (the top-level config's, marked),
 * then the stored tenants by id, each with its issuer and when it was created.
 */
import type { Command } from 'commander'
import { DEFAULT_TENANT } from '@latch/server/admin'
import { withConfigOption, withStore, type CommonOptions } from '../context.js'
import { isoTime, printJson, printTable } from '../output.js'

export interface TenantView {
  id: string
  issuer: string
  /** True for the top-level config's tenant, which is never stored. */
  default: boolean
  /** Epoch seconds; null for the default tenant. */
  created_at: number | null
  updated_at: number | null
}

export function tenantsList(parent: Command): void {
  withConfigOption(parent.command('list').description('list tenants, the default one first').option('--json', 'print a JSON array (times in epoch seconds)')).action(
    async (opts: CommonOptions & { json?: boolean }) => {
      await withStore(opts, async ({ config, root }) => {
        const tenants: TenantView[] = [
          { id: DEFAULT_TENANT, issuer: config.issuer, default: true, created_at: null, updated_at: null },
          ...(await root.tenants.list()).map((t) => ({ id: t.id, issuer: t.issuer, default: false, created_at: t.created_at, updated_at: t.updated_at })),
        ]
        if (opts.json) return printJson(tenants)
        printTable(
          ['ID', 'ISSUER', 'CREATED_AT'],
          tenants.map((t) => [t.id, t.issuer, t.default ? '(default: the top-level config)' : isoTime(t.created_at)]),
        )
      })
    },
  )
}
