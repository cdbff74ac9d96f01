/** @latch/client/bff: the BFF (token handler) Fastify plugin. Public surface (re-exports only). */
export { latchBff } from './plugin.js'
export type { LatchBffOptions } from './options.js'
export type { LatchSession } from './latch-session.js'
export type { BffUser } from './session.js'
export { BffSessionError, type SessionErrorCode } from './sessions.js'
export { MemorySessionStore, type MemorySessionStoreOptions, type SessionStore } from './session-store.js'
export { CSRF_FIELD, CSRF_HEADER } from './csrf.js'
