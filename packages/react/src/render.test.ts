/**
 * `@latch/react` renders with each end of its `react` peer range (`^19.0.0`): React 19.0.0 in the
 * `peer-floor` vitest project (the npm aliases `react-19-0` and `react-dom-19-0`), the installed
 * React (the newest) in `sqlite`. `<AuthProvider>` runs its hooks (useState, useSyncExternalStore,
 * useMemo, context) and a child reads them through `useAuth`, rendered to HTML on the server
 * (effects, which fetch `/auth/me`, do not run there).
 * @see https://react.dev/reference/react-dom/server/renderToString
 * @see issue 8
 */
import { readFileSync } from 'node:fs'
import { createElement, version } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { AuthProvider } from './auth-provider.js'
import { useAuth } from './use-auth.js'

const FLOOR = process.env.LATCH_PEER_FLOOR === '1'
const unavailable = FLOOR ? process.env.LATCH_REACT_FLOOR_UNAVAILABLE : undefined
if (unavailable) console.log(unavailable)
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string>; peerDependencies: Record<string, string> }

function Status() {
  const auth = useAuth()
  return createElement('p', null, `status: ${auth.status}, mode: ${auth.mode}`)
}

describe.skipIf(unavailable !== undefined)(`@latch/react with React ${FLOOR ? 'at the floor of the peer range' : 'as installed'}`, () => {
  it('AuthProvider and useAuth render (BFF mode, before /auth/me answered: loading)', () => {
    expect(version).toBe(FLOOR ? /@(\d+\.\d+\.\d+)$/.exec(manifest.devDependencies['react-19-0'] ?? '')?.[1] : manifest.devDependencies.react)
    if (FLOOR) expect(manifest.peerDependencies.react).toBe(`^${version}`)
    const html = renderToString(createElement(AuthProvider, { mode: 'bff', basePath: '/auth', apiPrefix: '/api' }, createElement(Status)))
    expect(html).toBe('<p>status: loading, mode: bff</p>')
  })
})
