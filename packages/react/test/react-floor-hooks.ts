/**
 * Setup of the `peer-floor` vitest project (vitest.config.ts): react-dom 19.0.0, installed as the
 * npm alias `react-dom-19-0`, is loaded by Node itself (not by vite), and its `require('react')`
 * would find the newest react in node_modules; React refuses to run with a react-dom of another
 * version. This resolve hook sends those requires to `react-19-0`, the matching floor version.
 * `module.registerHooks` exists from Node 22.15 and 23.5; on an older 22.x the floor render test
 * says it is skipped.
 * @see https://nodejs.org/api/module.html#moduleregisterhooksoptions
 */
import * as nodeModule from 'node:module'

type Resolve = (specifier: string, context: { parentURL?: string }, next: (specifier: string, context: unknown) => unknown) => unknown
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { resolve: Resolve }) => void }).registerHooks

if (registerHooks === undefined) {
  process.env.LATCH_REACT_FLOOR_UNAVAILABLE = `skipped: the React 19.0.0 render needs module.registerHooks (Node >= 22.15), this is Node ${process.versions.node}`
} else {
  registerHooks({
    resolve(specifier, context, next) {
      if (context.parentURL?.includes('/node_modules/react-dom-19-0/') && /^react(\/|$)/.test(specifier)) {
        return next(specifier.replace(/^react/, 'react-19-0'), context)
      }
      return next(specifier, context)
    },
  })
}
