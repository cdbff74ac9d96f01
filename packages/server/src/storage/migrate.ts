/**
 * Runs Latch's schema migrations with Kysely's `Migrator`. The migrations are listed in code
 * rather than discovered on disk, so they survive `tsc` builds and bundling unchanged; on
 * PostgreSQL the Migrator takes an advisory lock, so several nodes starting at once migrate once.
 *
 * @see https://kysely.dev/docs/migrations
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import type { Database } from './database.js'
import { initial } from './migrations/0001-initial.js'
import { keyActivation } from './migrations/0002-key-activation.js'
import { clientResources } from './migrations/0003-client-resources.js'
import { sessionGrants } from './migrations/0004-session-grants.js'
import { sweepIndexes } from './migrations/0005-sweep-indexes.js'
import { clientAuthAndIdTokenAlg } from './migrations/0006-client-auth-and-id-token-alg.js'
import { companionKeys } from './migrations/0007-companion-keys.js'
import { organizations } from './migrations/0008-organizations.js'
import { tenants } from './migrations/0009-tenants.js'
import { organizationBranding } from './migrations/0010-organization-branding.js'
import { backchannelLogout } from './migrations/0011-backchannel-logout.js'
import { connections } from './migrations/0012-connections.js'
import { upstreamSessions } from './migrations/0013-upstream-sessions.js'
import { selfService } from './migrations/0014-self-service.js'
import { mfa } from './migrations/0015-mfa.js'
import { passkeys } from './migrations/0016-passkeys.js'
import { account } from './migrations/0017-account.js'
import { grantAuthentication } from './migrations/0018-grant-authentication.js'
import { mfaLockout } from './migrations/0019-mfa-lockout.js'
import { alertDeliveries } from './migrations/0021-alert-deliveries.js'
import { auditEvents } from './migrations/0020-audit-events.js'
import { configOwnedClients } from './migrations/0022-config-owned-clients.js'
import { userDisabled } from './migrations/0023-user-disabled.js'

/** Every migration by name; names sort in the order they must run. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-key-activation': keyActivation,
  '0003-client-resources': clientResources,
  '0004-session-grants': sessionGrants,
  '0005-sweep-indexes': sweepIndexes,
  '0006-client-auth-and-id-token-alg': clientAuthAndIdTokenAlg,
  '0007-companion-keys': companionKeys,
  '0008-organizations': organizations,
  '0009-tenants': tenants,
  '0010-organization-branding': organizationBranding,
  '0011-backchannel-logout': backchannelLogout,
  '0012-connections': connections,
  '0013-upstream-sessions': upstreamSessions,
  '0014-self-service': selfService,
  '0015-mfa': mfa,
  '0016-passkeys': passkeys,
  '0017-account': account,
  '0018-grant-authentication': grantAuthentication,
  '0019-mfa-lockout': mfaLockout,
  // Issue 14: the audit log, the alert webhooks' queue.
  '0020-audit-events': auditEvents,
  '0021-alert-deliveries': alertDeliveries,
  // Issue 14 (security review M5b): which clients the config file owns.
  '0022-config-owned-clients': configOwnedClients,
  // Issue 14 (session 22): administrators disable users.
  '0023-user-disabled': userDisabled,
}

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) }

/** Brings the schema up to the newest migration; throws the first migration error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateToLatest()
  if (error) throw error
}
