/**
 * Claims whose meaning the protocols fix (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, OIDC Core
 * §2 and §3.1.3.6, OIDC Session Management) and those Latch gives a meaning (`org_id`,
 * `org_roles`, issue 10). Custom claims, from the config's `claims` or the hooks module, may never
 * set one: a hook must not be able to forge who a token is for, who issued it or for how long.
 */
export const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'client_id', 'scope', 'auth_time', 'cnf', 'act', 'may_act',
  'org_id', 'org_roles', 'nonce', 'azp', 'at_hash', 'c_hash', 's_hash', 'sid', 'amr', 'acr', 'typ', 'token_type',
  'active', 'username', 'token_use', 'events', 'iss_sub',
])

export function isProtocolClaim(name: string): boolean {
  return PROTOCOL_CLAIMS.has(name)
}
