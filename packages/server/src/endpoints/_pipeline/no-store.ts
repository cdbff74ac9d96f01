/**
 * `Cache-Control: no-store` and `Pragma: no-cache` on every response that can carry a token or
 * a credential: RFC 6749 §5.1 ("MUST"), RFC 7662 §2.2, OIDC Core §5.3.2 for UserInfo.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/** Callback style, not async: a hook on every token request should not cost a promise. */
export function noStore(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('cache-control', 'no-store')
  reply.header('pragma', 'no-cache')
  done()
}
