/**
 * The `latch` command (docs/architecture.md §2 "Commands"): `serve`, `migrate`, `tenants
 * create|list|delete`, `clients create|list|delete`, `users create|list|delete|set-password|update|reset-mfa|disable|enable|sign-out`,
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
import { Command, CommanderError, type OutputConfiguration } from 'commander'
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
import { processIo, withIo, type CliIo } from './io.js'

// Built into @latch/server's dist/cli/ (apps/cli/tsconfig.json): the version is the server package's.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

function buildProgram(io: CliIo): Command {
  const program = new Command('latch')
    .description('Latch: OAuth 2.0 authorization server and OpenID Provider')
    .version(version)
    // Throw instead of exiting, so that every exit goes through one place (exit codes below).
    // Set before the subcommands are made: `.command()` copies it to each of them.
    .exitOverride()
    .showSuggestionAfterError()
  // Set before the subcommands are made too: `.command()` copies it to each of them.
  program.configureOutput(outputOf(io))

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
function exitCodeFor(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version it was asked for).
    return err.exitCode === 0 ? 0 : 2
  }
  if (err instanceof CliError) {
    io.stderr.write(`error: ${err.message}\n`)
    return err.exitCode
  }
  if (err instanceof ConfigError) {
    io.stderr.write(`error: ${err.message}\n`)
    return 1
  }
  io.stderr.write(`error: ${reasonOf(err)}\n`)
  return 1
}

/**
 * Where commander writes its help, version and parse errors: the run's stdout and stderr. With the
 * process's own streams, commander's defaults (help as wide as the terminal, colours as the
 * terminal and NO_COLOR/FORCE_COLOR say); with others, plain text 80 columns wide, as when
 * the output is a pipe.
 */
function outputOf(io: CliIo): OutputConfiguration {
  const write = { writeOut: (text: string) => void io.stdout.write(text), writeErr: (text: string) => void io.stderr.write(text) }
  if (io.stdout === process.stdout && io.stderr === process.stderr) return write
  return { ...write, getOutHelpWidth: () => 80, getErrHelpWidth: () => 80, getOutHasColors: () => false, getErrHasColors: () => false }
}

/**
 * Runs one `latch` command line (`argv` without the node and script paths) with `io` as its
 * working directory, environment and standard streams, and resolves with its exit code: what the
 * bin does with the process's own (main.ts), and what the CLI tests do in-process, side by side.
 * Everything the command opens (stores, pools) is closed before it resolves. `serve` is the
 * exception: it runs until a signal and exits the process, so only the bin runs it.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return withIo(io, async () => {
    try {
      await buildProgram(io).parseAsync([...argv], { from: 'user' })
      return 0
    } catch (err) {
      return exitCodeFor(err, io)
    }
  })
}
