#!/usr/bin/env node
/**
 * The `latch` command (docs/architecture.md §2 "Commands"): `serve`, `migrate`, `tenants
 * create|list|delete`, `clients create|list|delete`, `users create|list|delete|set-password|update`,
 * `orgs create|update|list|delete|add-member|remove-member|members`, `connections create|list|delete`,
 * `keys list|rotate`, `audit list` (issue 14). Each command
 * lives in `commands/<noun>-<verb>.ts` and is a thin shell over `@latch/server`. Every clients,
 * users, orgs, connections and keys command takes `--tenant ID` (issue 11; default `default`).
 *
 * Exit codes: 0 success; 1 the command failed (one line on stderr: bad config file naming the
 * key, unknown client, database unreachable…); 2 the command line is wrong (unknown option,
 * invalid flag value). Never a stack trace.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { ConfigError } from '@latch/server/admin'
import { clientsCreate } from './commands/clients-create.js'
import { clientsDelete } from './commands/clients-delete.js'
import { clientsList } from './commands/clients-list.js'
import { connectionsCreate } from './commands/connections-create.js'
import { connectionsDelete } from './commands/connections-delete.js'
import { connectionsList } from './commands/connections-list.js'
import { keysList } from './commands/keys-list.js'
import { keysRotate } from './commands/keys-rotate.js'
import { migrate } from './commands/migrate.js'
import { serve } from './commands/serve.js'
import { usersCreate } from './commands/users-create.js'
import { usersDelete } from './commands/users-delete.js'
import { usersList } from './commands/users-list.js'
import { usersSetPassword } from './commands/users-set-password.js'
import { usersResetMfa } from './commands/users-reset-mfa.js'
import { usersDisable } from './commands/users-disable.js'
import { usersEnable } from './commands/users-enable.js'
import { usersSignOut } from './commands/users-sign-out.js'
import { usersUpdate } from './commands/users-update.js'
import { orgsAddMember } from './commands/orgs-add-member.js'
import { orgsCreate } from './commands/orgs-create.js'
import { orgsDelete } from './commands/orgs-delete.js'
import { orgsList } from './commands/orgs-list.js'
import { orgsMembers } from './commands/orgs-members.js'
import { orgsRemoveMember } from './commands/orgs-remove-member.js'
import { orgsUpdate } from './commands/orgs-update.js'
import { tenantsCreate } from './commands/tenants-create.js'
import { tenantsDelete } from './commands/tenants-delete.js'
import { tenantsList } from './commands/tenants-list.js'
import { auditList } from './commands/audit-list.js'
import { withTenantOption } from './context.js'
import { CliError, reasonOf } from './errors.js'

// Built into @latch/server's dist/cli/ (apps/cli/tsconfig.json): the version is the server package's.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

function buildProgram(): Command {
  const program = new Command('latch')
    .description('Latch: OAuth 2.0 authorization server and OpenID Provider')
    .version(version)
    // Throw instead of exiting, so that every exit goes through one place (exit codes below).
    // Set before the subcommands are made: `.command()` copies it to each of them.
    .exitOverride()
    .showSuggestionAfterError()

  serve(program)
  migrate(program)

  const clients = program.command('clients').description('manage OAuth clients')
  clientsCreate(clients)
  clientsList(clients)
  clientsDelete(clients)

  const users = program.command('users').description('manage users')
  usersCreate(users)
  usersList(users)
  usersDelete(users)
  usersSetPassword(users)
  usersResetMfa(users)
  usersDisable(users)
  usersEnable(users)
  usersSignOut(users)
  usersUpdate(users)

  const orgs = program.command('orgs').description('manage organizations and their members')
  orgsCreate(orgs)
  orgsUpdate(orgs)
  orgsList(orgs)
  orgsDelete(orgs)
  orgsAddMember(orgs)
  orgsRemoveMember(orgs)
  orgsMembers(orgs)

  const connections = program.command('connections').description('manage connections: upstream identity providers users sign in through (issue 12)')
  connectionsCreate(connections)
  connectionsList(connections)
  connectionsDelete(connections)

  const keys = program.command('keys').description('manage signing keys')
  keysList(keys)
  keysRotate(keys)

  // Issue 11: what these commands manage belongs to one tenant.
  for (const group of [clients, users, orgs, connections, keys]) for (const command of group.commands) withTenantOption(command)

  const tenants = program.command('tenants').description('manage tenants: issuers with their own keys, clients, users and settings')
  tenantsCreate(tenants)
  tenantsList(tenants)
  tenantsDelete(tenants)

  // Issue 14: the audit log (auditList adds its own --tenant).
  const audit = program.command('audit').description('read the audit log')
  auditList(audit)

  return program
}

/** Maps whatever a command threw to one line on stderr and an exit code. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version it was asked for).
    return err.exitCode === 0 ? 0 : 2
  }
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`)
    return err.exitCode
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`)
    return 1
  }
  process.stderr.write(`error: ${reasonOf(err)}\n`)
  return 1
}

// `latch users list | head`: a closed pipe ends the command quietly, not with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

try {
  await buildProgram().parseAsync(process.argv)
} catch (err) {
  // exitCode, not exit(): stdout (a large --json listing into a pipe) is flushed before exiting.
  process.exitCode = exitCodeFor(err)
}
