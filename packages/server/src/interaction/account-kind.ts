/**
 * Issue 13: signing in to the account page through Latch itself. **Sign in** on `/account` (a
 * form with a CSRF token, endpoints/account.ts) begins an interaction of kind `account`, which runs
 * the very same interaction pages as an application's sign-in (password, connections, and whatever
 * later steps `completeSignIn` adds), then ends with a 303 to `/account`: no code, no token, no
 * consent, no organization step.
 *
 * An interaction names a client (`interactions.client_id`, NOT NULL; the pages show its name). The
 * account page is not an OAuth client: it gets no tokens, so it has no row in `clients`, is in no
 * discovery document and cannot authenticate at the token endpoint. `ACCOUNT_CLIENT` is a built-in
 * record used only by this kind; its id has a space, which no client id may have (`clients/registry.ts`
 * accepts `[\x21-\x7E]` only), so it can neither collide with a registered client nor be looked up
 * as one, and `loadInteraction` picks it by the interaction's kind, never by its id.
 */
import type { LatchContext } from '../context.js'
import { ACR_MFA } from '../rules/acr.js'
import type { ClientRecord, InteractionRecord } from '../storage/store.js'
import { stepUpReturn, stepUpReturnUrl, type StepUpReturn } from './account-strength.js'
import { beginInteraction } from './begin.js'
import { plainGrant } from './granted-scope.js'
import type { InteractionKind } from './kinds.js'
import { seeOther, type Outcome } from './outcome.js'
import { tenantLook } from './page-look.js'
import { productName } from './views/branding.js'
import type { Locale } from './views/locales.js'

/** The built-in account page's client id: never a registered one (a space is not allowed in client ids). */
export const ACCOUNT_CLIENT_ID = 'latch account'

/** The account page as the client of its interactions, named after the product (the sign-in page's "to continue to …"). */
export function accountClient(ctx: LatchContext): ClientRecord {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: productName(tenantLook(ctx).branding),
    client_secret_hash: null,
    token_endpoint_auth_method: 'none',
    auth_method_pinned: true,
    id_token_signed_response_alg: null,
    grant_types: [],
    redirect_uris: [],
    post_logout_redirect_uris: [],
    scope: '',
    resources: null,
    skip_consent: true,
    jwks: null,
    organization_required: false,
    organizations: null,
    backchannel_logout_uri: null,
    backchannel_logout_session_required: false,
  }
}

/**
 * Begins signing in to the account page: the interaction pages, then back to `/account`. With
 * `stepUp` (review H1), a signed-in user signs in again, fresh and with two factors
 * (`acr_values` `urn:latch:acr:mfa`: `completeSignIn` asks the second factor, or a passkey), and
 * comes back to that account page (`/account`, `/account/mfa` or `/account/passkeys`). Issue 14: the
 * admin console (`/admin`) signs in the same way, `returnTo` (or `stepUp`) `admin` bringing it back there.
 */
export function beginAccountSignIn(ctx: LatchContext, input: { ip: string; userAgent?: string | undefined; locale: Locale; stepUp?: StepUpReturn | undefined; returnTo?: StepUpReturn | undefined }): Promise<Outcome> {
  return beginInteraction(ctx, {
    kind: 'account',
    client_id: ACCOUNT_CLIENT_ID,
    // The language of the account page carries over to the sign-in pages.
    params: { scope: '', ui_locales: [input.locale], ...(input.stepUp === undefined ? {} : { acr_values: ACR_MFA, step_up: input.stepUp }), ...(input.returnTo === undefined ? {} : { return_to: input.returnTo }) },
    ip: input.ip,
    userAgent: input.userAgent,
  })
}

function accountUrl(ctx: LatchContext, interaction: Pick<InteractionRecord, 'params'>): string {
  // Issue 14: the admin console signs in through the same kind and comes back to itself.
  return stepUpReturnUrl(ctx, stepUpReturn(isStepUp(interaction) ? interaction.params.step_up : interaction.params.return_to))
}

/** A step-up signs in afresh: the session's own sign-in is what was not strong (or recent) enough. */
function isStepUp(interaction: Pick<InteractionRecord, 'params'>): boolean {
  return typeof interaction.params.step_up === 'string'
}

export const accountKind: InteractionKind = {
  async resolve() {
    return { type: 'grant', grant: plainGrant([]) }
  },
  // Nothing is granted to anyone: there is nothing to consent to.
  async needsConsent() {
    return false
  },
  // A browser with a session shows the account page without an interaction; one begun anyway (a
  // second tab) may adopt the session that appeared meanwhile.
  requiresFreshLogin(interaction) {
    return isStepUp(interaction)
  },
  async approve({ ctx, interaction }) {
    return seeOther(accountUrl(ctx, interaction))
  },
  async deny({ ctx, interaction }) {
    return seeOther(accountUrl(ctx, interaction))
  },
}
