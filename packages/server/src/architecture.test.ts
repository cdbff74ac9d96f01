/**
 * The layering of packages/server/src (STYLE.md "Dependency rules", issue 9), checked on the real
 * import graph. Every non-test .ts file sits in a band; a file imports only from its own band or
 * lower ones, the rooms (top-level folders and root files) form no cycle, and neither do files.
 * Type-only imports count: a type pulled from above still ties the lower layer to the upper one.
 *
 *   1  index.ts admin.ts server.ts compose.ts    composition root (admin.ts: the surface without
 *      tracing-sdk.ts                            the HTTP server; issue 14: tracing-sdk.ts starts
 *                                                the process's OpenTelemetry SDK)
 *   2  endpoints/                                 HTTP only
 *   3  interaction/                               decisions without Fastify
 *   11 interaction/views/                         leaves: templates and texts that import only views,
 *                                                 rules/, lib/, errors.ts, events.ts (issue 11: the
 *                                                 config loader checks message overrides and
 *                                                 branding against them, so they sit below config/)
 *   4  grants/ sessions/ client-auth/ federation/ use cases taking the LatchContext
 *      metrics/                                   (issue 14: Prometheus metrics, fed by the bus and read from the context's parts)
 *      management/ seed.ts                        (issue 14: the management services the CLI and the admin API share:
 *                                                 validate, write, audit each change; no LatchContext, no HTTP;
 *                                                 seed.ts: seeding from the config, which creating a tenant uses)
 *   5  context.ts                                 LatchContext interface, PATHS, endpointUrls
 *   6  clients/ users/ organizations/ connections/ (connections: the upstream RP, issue 12)
 *      mail/                                      (issue 13: the mailer and its messages)
 *      alerts/                                    (issue 14: alert webhooks, no LatchContext)
 *      audit/                                     (issue 14: the audit log's records and batch writer;
 *                                                 beside mail: a subscriber of events that writes
 *                                                 through the Store interface, used by the root)
 *   7  tokens/
 *   8  keys/
 *   9  storage/ rate-limit/ hooks/
 *   10 config/
 *   11 rules/                                     pure RFC checks
 *   12 lib/ errors.ts events.ts
 *
 * Also: only endpoints/ and server.ts import Fastify; only storage/ imports Kysely and the drivers,
 * and below the composition root only the `Store` interface of storage/ is imported; index.ts only
 * re-exports, and so does admin.ts, which must not load the HTTP server. Failures list the offending arrows as `from -> to`.
 *
 * The checker is plain functions over a graph (file → imported files and packages), so the rules
 * themselves are tested on small planted graphs below before they judge the real one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const BANDS: ReadonlyArray<readonly [band: number, rooms: readonly string[]]> = [
  [1, ['index.ts', 'admin.ts', 'server.ts', 'compose.ts', 'tenancy', 'tracing-sdk.ts']],
  [2, ['endpoints']],
  [3, ['interaction']],
  // Issue 14: metrics/ reads the context's parts (keystores, pool, rate limit) and the bus; endpoints/ serves it.
  // Issue 14: management/ is the admin use cases (CLI, admin API) over the Store: above clients/, users/, keys/, below endpoints/;
  // seed.ts (which imports only bands 6 and below) sits beside it, since creating a tenant seeds it.
  [4, ['grants', 'sessions', 'client-auth', 'federation', 'metrics', 'management', 'seed.ts']],
  [5, ['context.ts']],
  [6, ['clients', 'users', 'organizations', 'connections', 'mail', 'alerts', 'audit']],
  [7, ['tokens']],
  [8, ['keys']],
  [9, ['storage', 'rate-limit', 'hooks']],
  [10, ['config']],
  [11, ['rules', 'interaction/views']],
  [12, ['lib', 'errors.ts', 'events.ts']],
]
const BAND_OF_ROOM = new Map(BANDS.flatMap(([band, rooms]) => rooms.map((room) => [room, band] as const)))

/** Folders whose subfolder is a room of its own (a leaf or a step table inside the layer). */
const SUB_ROOMS = new Set(['endpoints/_pipeline', 'interaction/views'])

/** Packages only the named rooms may import. */
const FASTIFY = /^(fastify|@fastify\/.+)$/
const DATABASE = /^(kysely|better-sqlite3|pg)(\/.*)?$/
/** Issue 14: the OpenTelemetry SDK packages (everything but the API): only tracing-sdk.ts starts the SDK; the rest uses lib/tracing.ts over the API. */
const OTEL_SDK = /^@opentelemetry\/(?!api$).+$/

type Graph = ReadonlyMap<string, readonly string[]>

/** Top-level folder or root file, with the sub-rooms split out. */
function roomOf(file: string): string {
  const parts = file.split('/')
  if (parts.length === 1) return file
  const sub = `${parts[0]}/${parts[1]}`
  return parts.length > 2 && SUB_ROOMS.has(sub) ? sub : parts[0]!
}

function bandOf(file: string): number | undefined {
  return BAND_OF_ROOM.get(roomOf(file)) ?? BAND_OF_ROOM.get(file.split('/')[0]!)
}

const isLocal = (target: string) => target.endsWith('.ts')

/** Imports that go to a higher band (a smaller number), as `from -> to`. */
function upwardArrows(graph: Graph): string[] {
  const arrows: string[] = []
  for (const [from, imports] of graph) {
    const own = bandOf(from)
    for (const to of imports.filter(isLocal)) {
      const target = bandOf(to)
      if (own !== undefined && target !== undefined && target < own) arrows.push(`${from} -> ${to}`)
    }
  }
  return arrows
}

/** One cycle per strongly connected component with more than one node (or a self-loop), as `a -> b -> a`. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  // Tarjan's algorithm, iterative enough for a source tree.
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[] = []
  const visit = (node: string): void => {
    indices.set(node, index)
    low.set(node, index++)
    stack.push(node)
    onStack.add(node)
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!))
      }
    }
    if (low.get(node) !== indices.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || edges.get(node)?.has(node)) found.push(describeCycle(component, edges))
  }
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node)
  return found
}

/** A concrete loop through a strongly connected component, for the failure message. */
function describeCycle(component: string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string {
  const members = new Set(component)
  const start = [...members].sort()[0]!
  // Breadth-first from start back to start, inside the component.
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()!
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue
      if (next === start) {
        const path = [start]
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) path.splice(1, 0, at)
        return [...path, start].join(' -> ')
      }
      if (!previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return component.join(' <-> ')
}

function fileEdges(graph: Graph): Map<string, Set<string>> {
  return new Map([...graph].map(([from, imports]) => [from, new Set(imports.filter((to) => isLocal(to) && graph.has(to)))]))
}

function roomEdges(graph: Graph): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>()
  for (const [from, imports] of graph) {
    const own = roomOf(from)
    const set = edges.get(own) ?? new Set<string>()
    edges.set(own, set)
    for (const to of imports.filter(isLocal)) if (roomOf(to) !== own) set.add(roomOf(to))
  }
  return edges
}

/**
 * Views are leaves: templates and texts that import only other views and the pure bottom bands
 * (rules/, lib/, errors.ts, events.ts), never a decision, the context or the store.
 */
function viewArrows(graph: Graph): string[] {
  return [...graph].flatMap(([from, imports]) =>
    roomOf(from) !== 'interaction/views'
      ? []
      : imports.filter((to) => isLocal(to) && roomOf(to) !== 'interaction/views' && (bandOf(to) ?? 0) < 11).map((to) => `${from} -> ${to}`),
  )
}

/** Files importing a package (or src file) matching `pkg` from outside the rooms allowed to. */
/** Every file and package reached from `start` by following imports (type-only ones too). */
function reachable(graph: Graph, start: string): Set<string> {
  const seen = new Set<string>([start])
  const stack = [start]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    for (const to of graph.get(node) ?? []) {
      if (seen.has(to)) continue
      seen.add(to)
      stack.push(to)
    }
  }
  return seen
}

function packageArrows(graph: Graph, pkg: RegExp, allowed: (file: string) => boolean): string[] {
  return [...graph].flatMap(([from, imports]) => (allowed(from) ? [] : imports.filter((i) => pkg.test(i)).map((to) => `${from} -> ${to}`)))
}

/**
 * Module specifiers of one file: static imports and re-exports (`import type` and
 * `export type … from` included), `import x = require()`, dynamic `import('…')` and type
 * positions `import('…').T`. Relative ones resolve to the .ts file under src (`./a.js` → `a.ts`).
 */
function importsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const specifiers: string[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      specifiers.push(node.moduleReference.expression.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = node.arguments
      specifiers.push(first && ts.isStringLiteralLike(first) ? first.text : '<computed import>')
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  const resolved = specifiers.map((s) => (s.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, '.ts') : s))
  return [...new Set(resolved)]
}

/** Statements of index.ts that are not re-exports (`export … from`). */
function nonReExports(text: string): string[] {
  const source = ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  return source.statements.filter((s) => !(ts.isExportDeclaration(s) && s.moduleSpecifier)).map((s) => s.getText(source))
}

const ALLOWED_FASTIFY = (file: string) => file.startsWith('endpoints/') || file === 'server.ts'
const ALLOWED_DATABASE = (file: string) => file.startsWith('storage/')
const ALLOWED_OTEL_SDK = (file: string) => file === 'tracing-sdk.ts'

/** The store's implementation: outside storage/ only the composition root opens it; the rest sees the `Store` interface. */
const STORAGE_IMPLEMENTATION = /^storage\/(kysely-store|migrate|database|dialects\/|migrations\/|repositories\/)/
const ALLOWED_STORAGE_IMPLEMENTATION = (file: string) => file.startsWith('storage/') || bandOf(file) === 1

const root = fileURLToPath(new URL('.', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : []
  })
}

const files = sources(root).map((path) => relative(root, path).split(sep).join('/'))
const graph: Graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(join(root, file), 'utf8'))]))

/** Every violation of the rules below, as `from -> to`, in one list that the allowlist is held against. */
function violations(g: Graph): string[] {
  return [
    ...upwardArrows(g),
    ...packageArrows(g, FASTIFY, ALLOWED_FASTIFY),
    ...packageArrows(g, DATABASE, ALLOWED_DATABASE),
    ...packageArrows(g, STORAGE_IMPLEMENTATION, ALLOWED_STORAGE_IMPLEMENTATION),
    ...viewArrows(g),
    ...packageArrows(g, OTEL_SDK, ALLOWED_OTEL_SDK),
  ]
}

describe('the checker itself (planted graphs)', () => {
  it('finds an import to a higher band, type-only or dynamic', () => {
    const planted = new Map([
      ['rules/scope.ts', importsOf('rules/scope.ts', "import type { ClientRecord } from '../storage/store.js'\n")],
      ['lib/clock.ts', importsOf('lib/clock.ts', "const m = await import('../keys/keystore.js')\nexport type K = import('../config/schema.js').LatchConfig\n")],
      ['storage/store.ts', importsOf('storage/store.ts', "export { x } from '../lib/clock.js'\n")],
      ['grants/grant.ts', importsOf('grants/grant.ts', "import {\n  a,\n  b,\n} from '../context.js'\n")],
    ])
    expect(upwardArrows(planted)).toEqual([
      'rules/scope.ts -> storage/store.ts',
      'lib/clock.ts -> keys/keystore.ts',
      'lib/clock.ts -> config/schema.ts',
    ])
  })

  it('finds a cycle of rooms and of files, and reports the loop', () => {
    const planted: Graph = new Map([
      ['clients/registry.ts', ['context.ts']],
      ['context.ts', ['clients/registry.ts']],
      ['lib/a.ts', ['lib/b.ts']],
      ['lib/b.ts', []],
    ])
    expect(cycles(roomEdges(planted))).toEqual(['clients -> context.ts -> clients'])
    expect(cycles(fileEdges(planted))).toEqual(['clients/registry.ts -> context.ts -> clients/registry.ts'])
    expect(cycles(fileEdges(new Map([['lib/a.ts', ['lib/b.ts']], ['lib/b.ts', ['lib/a.ts']]])))).toEqual(['lib/a.ts -> lib/b.ts -> lib/a.ts'])
  })

  it('places files in rooms and bands by path, sub-rooms included', () => {
    expect(roomOf('endpoints/_pipeline/csrf.ts')).toBe('endpoints/_pipeline')
    expect(roomOf('interaction/views/login.ts')).toBe('interaction/views')
    expect(roomOf('storage/repositories/grants.ts')).toBe('storage')
    expect(bandOf('endpoints/_pipeline/csrf.ts')).toBe(2)
    expect(bandOf('newfolder/x.ts')).toBeUndefined()
  })

  it('finds a view that imports more than other views and the pure bottom bands', () => {
    const planted: Graph = new Map([
      ['interaction/views/login.ts', ['interaction/views/layout.ts', 'rules/resource.ts', 'errors.ts', 'interaction/policy.ts', 'context.ts']],
    ])
    expect(viewArrows(planted)).toEqual(['interaction/views/login.ts -> interaction/policy.ts', 'interaction/views/login.ts -> context.ts'])
  })

  it('finds Fastify and database imports outside their rooms, and statements in index.ts that are not re-exports', () => {
    const planted: Graph = new Map([
      ['grants/grant.ts', ['fastify', 'kysely']],
      ['endpoints/token.ts', ['fastify', '@fastify/cookie']],
      ['storage/kysely-store.ts', ['kysely', 'pg']],
    ])
    expect(packageArrows(planted, FASTIFY, ALLOWED_FASTIFY)).toEqual(['grants/grant.ts -> fastify'])
    expect(packageArrows(planted, DATABASE, ALLOWED_DATABASE)).toEqual(['grants/grant.ts -> kysely'])
    const storage: Graph = new Map([
      ['endpoints/token.ts', ['storage/store.ts', 'storage/kysely-store.ts']],
      ['grants/grant.ts', ['storage/repositories/grants.ts', 'storage/dialects/sqlite.ts']],
      ['server.ts', ['storage/kysely-store.ts']],
    ])
    expect(packageArrows(storage, STORAGE_IMPLEMENTATION, ALLOWED_STORAGE_IMPLEMENTATION)).toEqual([
      'endpoints/token.ts -> storage/kysely-store.ts',
      'grants/grant.ts -> storage/repositories/grants.ts',
      'grants/grant.ts -> storage/dialects/sqlite.ts',
    ])
    expect(nonReExports("/** x */\nexport { a } from './a.js'\nexport * from './b.js'\nexport const c = 1\nimport './d.js'\n")).toEqual([
      'export const c = 1',
      "import './d.js'",
    ])
  })
})

describe('STYLE dependency rules (issue 9 band table)', () => {
  it('the checker sees the whole tree (sanity: the parse finds imports)', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(graph.get('server.ts')!.some((i) => i === 'fastify')).toBe(true)
  })

  it('every file is in a band (a new folder must be placed in the table deliberately)', () => {
    expect(files.filter((f) => bandOf(f) === undefined)).toEqual([])
  })

  it('every import resolves to a file of src or to a package', () => {
    // The one computed import: the operator's hooks module (config `hooks`), which is not part of src.
    const operatorModule = (from: string, to: string) => from === 'hooks/hooks.ts' && to === '<computed import>'
    const dangling = [...graph].flatMap(([from, imports]) =>
      imports.filter((to) => ((to.includes('/') && to.endsWith('.ts') && !graph.has(to)) || to === '<computed import>') && !operatorModule(from, to)).map((to) => `${from} -> ${to}`),
    )
    expect(dangling).toEqual([])
  })

  it('imports run only down the bands; only endpoints/ and server.ts import Fastify; only storage/ imports Kysely and the drivers; below the composition root only the Store interface of storage/ is imported; views are leaves', () => {
    expect(violations(graph)).toEqual([])
  })

  it('the rooms form no cycle', () => {
    expect(cycles(roomEdges(graph))).toEqual([])
  })

  it('the files form no cycle', () => {
    expect(cycles(fileEdges(graph))).toEqual([])
  })

  it('index.ts and admin.ts only re-export; admin.ts never reaches server.ts or Fastify', () => {
    expect(nonReExports(readFileSync(join(root, 'index.ts'), 'utf8'))).toEqual([])
    expect(nonReExports(readFileSync(join(root, 'admin.ts'), 'utf8'))).toEqual([])
    // index.ts does reach them, so the walk below is not vacuous.
    expect(reachable(graph, 'index.ts')).toContain('fastify')
    const reached = reachable(graph, 'admin.ts')
    expect([...reached].filter((node) => node === 'server.ts' || node === 'fastify' || node.startsWith('endpoints/'))).toEqual([])
  })
})
