/**
 * Moved to `rules/scope.ts` (issue 9). Kept only until `endpoints/authorization-request.ts`, which
 * the reshape of the authorization path rewrites, imports `rules/scope.ts` itself: delete then.
 */
export { resolveScope } from '../rules/scope.js'
