/**
 * `latch migrate`: brings the database schema up to the newest migration (Kysely `Migrator`; on
 * PostgreSQL under an advisory lock, so it is safe beside running nodes). `latch serve` migrates
 * at start too; this command lets a deployment migrate first, as its own step.
 * @see https://kysely.dev/docs/migrations
 */
import type { Command } from 'commander'
import { displayDatabase, withConfigOption, withStore, type CommonOptions } from '../context.js'
import { say } from '../output.js'

export function migrate(program: Command): void {
  withConfigOption(program.command('migrate').description('run pending database migrations')).action(async (opts: CommonOptions) => {
    await withStore(opts, async ({ config }) => {
      say(`database is up to date (${displayDatabase(config.database)})`)
    }, { create: true })
  })
}
