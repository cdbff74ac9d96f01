/**
 * The deployment files of issue 14 ("Packaging"), checked where no container engine runs them:
 * - `Dockerfile`: linted by dockerfile-utils (the linter of VS Code's Docker support), parsed by
 *   dockerfile-ast, and held to the rules of README "Container image" (pinned slim Node 24 base,
 *   multi-stage, `npm ci` never `npm install`, production dependencies only in the runtime stage,
 *   no ADD, a non-root USER before ENTRYPOINT/CMD, a HEALTHCHECK on /healthz without curl,
 *   EXPOSE 9000, the data volume, `latch serve`); `.dockerignore` keeps dependencies and secrets out.
 * - `deploy/docker-compose.yml`: structure (PostgreSQL, Redis, three nodes, a proxy), health
 *   checks, start order by health, pinned images, only the proxy published, no secret in clear,
 *   and trust_proxy naming the proxy's fixed address; the configs it and the image mount load;
 *   the Caddyfile routes by `/readyz`, the nodes' `shutdown.drain_delay` outlasts Caddy's health
 *   interval × fails, `lb_try_duration` retries, and `/metrics` is answered 404 (security review L8).
 * - `deploy/latch.service`: the hardening and lifecycle settings of README "systemd", and
 *   `systemd-analyze verify` where systemd is installed.
 * scripts/container-check.sh builds and runs the image where podman or docker works.
 * @see https://docs.docker.com/reference/dockerfile/
 * @see https://docs.docker.com/reference/compose-file/services/
 * @see https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html
 * @see issue 14
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DockerfileParser, type Instruction, type ModifiableInstruction } from 'dockerfile-ast'
import { validate, ValidationSeverity } from 'dockerfile-utils'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../packages/server/src/config/load.js'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

describe('Dockerfile', () => {
  const text = read('Dockerfile')
  const dockerfile = DockerfileParser.parse(text)
  /** Instructions per build stage, in order; each stage starts with its FROM. */
  const stages: Instruction[][] = []
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') stages.push([])
    stages.at(-1)?.push(instruction)
  }
  const runtime = stages.at(-1) as Instruction[]
  const args = (i: Instruction) => i.getArgumentsContent() ?? ''
  /** `--name=value` flags of COPY, HEALTHCHECK and the like. */
  const flags = (i: Instruction) => (i as ModifiableInstruction).getFlags().map((f) => `--${f.getName()}=${f.getValue() ?? ''}`)
  const inStage = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword)

  it('dockerfile-utils finds no problem, every optional check raised to an error', () => {
    const E = ValidationSeverity.ERROR
    const problems = validate(text, {
      deprecatedMaintainer: E,
      directiveCasing: E,
      emptyContinuationLine: E,
      instructionCasing: E,
      instructionCmdMultiple: E,
      instructionEntrypointMultiple: E,
      instructionHealthcheckMultiple: E,
      instructionJSONInSingleQuotes: E,
      instructionWorkdirRelative: E,
    })
    expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([])
  })

  it('multi-stage on one pinned node:24 slim base: no `latest`, no floating tag', () => {
    const froms = dockerfile.getFROMs()
    expect(froms.length).toBeGreaterThanOrEqual(2)
    const stageNames = new Set(froms.map((f) => f.getBuildStage()).filter((n) => n !== null))
    for (const from of froms) {
      const image = from.getImage() as string
      if (stageNames.has(image)) continue
      expect(from.getImageName(), image).toBe('node')
      // Pinned: the full version (24.x.y), a Debian release and slim; never `latest` or `24-slim`.
      expect(from.getImageTag(), image).toMatch(/^24\.\d+\.\d+-[a-z]+-slim$/)
    }
    expect(new Set(froms.map((f) => f.getImage())).size, 'every stage starts from the same base').toBe(1)
  })

  it('dependencies: `npm ci` from the lockfile, never `npm install`; the runtime gets production dependencies only; no ADD', () => {
    const runs = inStage(dockerfile.getInstructions(), 'RUN').map(args)
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true)
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true)
    for (const r of runs) expect(r).not.toMatch(/\bnpm (install|i|add)\b/)
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)), 'a stage installs production dependencies').toBe(true)
    expect(inStage(dockerfile.getInstructions(), 'ADD'), 'COPY, never ADD (no URL or archive fetched into the image)').toEqual([])
    // The runtime stage builds nothing: it copies node_modules from the production-only stage.
    expect(inStage(runtime, 'RUN').map(args).join('\n')).not.toMatch(/\bnpm\b/)
    const prodStage = stages.find((s) => inStage(s, 'RUN').some((r) => /--omit=dev/.test(args(r))))
    const prodName = prodStage?.[0]?.getArgumentsContent()?.split(/\s+AS\s+/i)[1]
    const fromProd = inStage(runtime, 'COPY').filter((c) => flags(c).includes(`--from=${prodName}`))
    expect(fromProd.map(args)).toEqual(['/src/node_modules node_modules'])
  })

  it('npm ci sees every workspace manifest of the root package.json before the sources (the lockfile names them all)', () => {
    const root = JSON.parse(read('package.json')) as { workspaces: string[] }
    const workspaces = root.workspaces.flatMap((w) =>
      w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(ROOT, w.slice(0, -2), d.name, 'package.json'))).map((d) => `${w.slice(0, -2)}/${d.name}`) : [w],
    )
    for (const stage of stages.slice(0, -1)) {
      const copies = inStage(stage, 'COPY').map(args).join('\n')
      for (const w of workspaces) expect(copies, `${w}/package.json`).toContain(`${w}/package.json ${w}/`)
    }
  })

  it('the runtime stage: a non-root USER before ENTRYPOINT/CMD, HEALTHCHECK on /healthz with node\'s fetch, EXPOSE 9000, the data volume, `latch serve`', () => {
    const keywords = runtime.map((i) => i.getKeyword())
    const user = inStage(runtime, 'USER')
    expect(user).toHaveLength(1)
    expect(args(user[0] as Instruction)).not.toMatch(/^(root|0)(:|$)/)
    const userAt = keywords.indexOf('USER')
    expect(userAt).toBeLessThan(keywords.indexOf('ENTRYPOINT'))
    expect(userAt).toBeLessThan(keywords.indexOf('CMD'))
    expect(keywords.slice(userAt), 'nothing runs as root after USER').not.toContain('RUN')

    const [healthcheck] = inStage(runtime, 'HEALTHCHECK') as [Instruction]
    expect(args(healthcheck)).toMatch(/^CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:.*\/healthz'\)/)
    expect(args(healthcheck)).not.toMatch(/\b(curl|wget)\b/)
    expect(flags(healthcheck)).toEqual(expect.arrayContaining([expect.stringMatching(/^--interval=\d+s$/), expect.stringMatching(/^--timeout=\d+s$/)]))

    expect(inStage(runtime, 'EXPOSE').map(args)).toEqual(['9000'])
    expect(inStage(runtime, 'VOLUME').map(args)).toEqual(['["/var/lib/latch"]'])
    expect(inStage(runtime, 'STOPSIGNAL').map(args)).toEqual(['SIGTERM'])
    expect(inStage(runtime, 'ENTRYPOINT').map(args)).toEqual(['["node", "/opt/latch/packages/server/bin/latch.js"]'])
    expect(args(inStage(runtime, 'CMD')[0] as Instruction)).toMatch(/^\["serve"/)
    expect(inStage(runtime, 'ENV').map(args).join(' '), 'no secret baked into the image').not.toMatch(/SECRET|PASSWORD|TOKEN/)
  })

  it('.dockerignore keeps dependencies, builds, data, git and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'))
    expect(ignored).toEqual(expect.arrayContaining(['.git', '**/node_modules', '**/dist', 'data', '**/.env', '**/latch.secret', '*.db']))
  })

  it('the image\'s default config (deploy/latch.container.yaml) loads: bound to every interface, SQLite in the volume', () => {
    const { config } = loadConfig({ file: join(ROOT, 'deploy/latch.container.yaml'), env: { LATCH_SECRET: 'x'.repeat(32) }, createSecret: false })
    expect(config.host).toBe('0.0.0.0')
    expect(config.port).toBe(9000)
    expect(config.database).toBe('sqlite:/var/lib/latch/latch.db')
  })
})

describe('deploy/docker-compose.yml', () => {
  interface Service {
    image?: string
    build?: { context: string; dockerfile: string }
    environment?: Record<string, string>
    ports?: string[]
    depends_on?: Record<string, { condition: string }>
    healthcheck?: { test: string[] }
    stop_grace_period?: string
    networks?: Record<string, { ipv4_address?: string }> | string[]
    volumes?: string[]
  }
  const compose = parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, Service>
    networks: Record<string, { ipam: { config: { subnet: string }[] } }>
  }
  const { services } = compose
  const nodes = Object.keys(services).filter((name) => /^latch-\d+$/.test(name))
  /** The nodes' config (deploy/latch.compose.yaml) as they load it. */
  const nodeConfig = () => {
    const env = { LATCH_SECRET: 'x'.repeat(32), LATCH_ISSUER: 'https://login.example.com', LATCH_DATABASE_URL: 'postgres://latch:pw@postgres:5432/latch?pool_size=10', LATCH_REDIS_URL: 'redis://:pw@redis:6379/0' }
    return loadConfig({ file: join(ROOT, 'deploy/latch.compose.yaml'), env, createSecret: false }).config
  }
  /** `name value` settings of the Caddyfile's reverse_proxy block. */
  const caddyfile = read('deploy/Caddyfile')
  const proxySettings = new Map(
    (/reverse_proxy [^{]+\{([^}]*)\}/.exec(caddyfile)?.[1] ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => [l.split(/\s+/)[0] as string, l.split(/\s+/).slice(1).join(' ')]),
  )
  const seconds = (value: string | undefined) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value ?? '')
    if (!m) throw new Error(`not a Caddy duration: ${value}`)
    return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1)
  }

  it('PostgreSQL, Redis, three Latch nodes built from the Dockerfile, and a reverse proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['caddy', 'latch-1', 'latch-2', 'latch-3', 'postgres', 'redis'])
    for (const name of nodes) {
      const node = services[name] as Service
      expect(node.build, name).toEqual({ context: '..', dockerfile: 'Dockerfile' })
      expect(node.environment?.LATCH_DATABASE_URL, name).toMatch(/^postgres:\/\/latch:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/latch\b/)
      expect(node.environment?.LATCH_REDIS_URL, name).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379\//)
      expect(node.environment?.LATCH_ISSUER, name).toMatch(/^https:\/\//)
      // SIGTERM closes within shutdown.timeout (serve.ts; 25 s in latch.compose.yaml): compose must wait longer before SIGKILL.
      expect(Number.parseInt(node.stop_grace_period ?? '10s', 10), name).toBeGreaterThan(nodeConfig().shutdown.timeout)
    }
  })

  it('every service has a health check, and starts only once what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services)) expect(service.healthcheck?.test.length, name).toBeGreaterThan(0)
    for (const name of nodes) {
      expect(services[name]?.depends_on, name).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
      expect(services[name]?.healthcheck?.test.join(' '), name).toMatch(/fetch\('http:\/\/127\.0\.0\.1:9000\/healthz'\)/)
    }
    expect(services.caddy?.depends_on).toEqual(Object.fromEntries(nodes.map((n) => [n, { condition: 'service_healthy' }])))
  })

  it('images are pinned to a version, never `latest`; only the proxy publishes ports', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image === undefined || service.build) continue
      expect(service.image, name).toMatch(/^[a-z0-9.\/-]+:\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/)
    }
    for (const [name, service] of Object.entries(services)) if (name !== 'caddy') expect(service.ports, name).toBeUndefined()
  })

  it('no secret in clear: every password, secret or credential-bearing URL comes from deploy/.env through ${VAR:?}', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|PASSWORD|TOKEN|AUTH|KEY/.test(key)) expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/)
        // A URL's userinfo is never a literal password.
        const userinfo = /^[a-z]+:\/\/([^@/]*)@/.exec(value)?.[1]
        if (userinfo !== undefined) expect(userinfo, `${name}.${key}`).toMatch(/^[a-z]*:\$\{[A-Z_]+:\?[^}]+\}$/)
      }
    }
    const example = read('deploy/.env.example')
    for (const line of example.split('\n').filter((l) => /^(LATCH_SECRET|POSTGRES_PASSWORD|REDIS_PASSWORD)=/.test(l))) expect(line).toMatch(/=$/)
    expect(read('.gitignore').split('\n')).toContain('deploy/.env')
  })

  it('README "Production": trust_proxy names the proxy\'s fixed address, inside the compose network, and the nodes\' config loads', () => {
    const address = (services.caddy?.networks as Record<string, { ipv4_address: string }>).backend?.ipv4_address as string
    const subnet = compose.networks.backend?.ipam.config[0]?.subnet as string
    expect(address.split('.').slice(0, 3).join('.')).toBe(subnet.split('.').slice(0, 3).join('.'))
    const config = nodeConfig()
    expect(config.trust_proxy).toEqual([address])
    expect(config.host).toBe('0.0.0.0')
    for (const name of nodes) expect(services[name]?.volumes).toContain('./latch.compose.yaml:/etc/latch/latch.config.yaml:ro')
  })

  it('the Caddyfile balances over every node and takes out a node whose readiness (/readyz) fails', () => {
    const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/)
    expect(upstreams).toEqual(nodes.map((n) => `${n}:9000`))
    // Security review L8: readiness, which a stopping node fails while it still serves; not liveness.
    expect(proxySettings.get('health_uri')).toBe('/readyz')
    expect(caddyfile).not.toMatch(/health_uri \/healthz/)
  })

  it('security review L8: a stopping node leaves the rotation before it stops accepting: drain_delay ≥ health_interval × health_fails, within shutdown.timeout; lb_try_duration retries another node', () => {
    const { shutdown } = nodeConfig()
    const interval = seconds(proxySettings.get('health_interval'))
    const fails = Number(proxySettings.get('health_fails') ?? '1')
    expect(Number.isInteger(fails) && fails >= 1).toBe(true)
    expect(seconds(proxySettings.get('health_timeout'))).toBeLessThanOrEqual(interval)
    expect(shutdown.drain_delay).toBeGreaterThanOrEqual(interval * fails)
    expect(shutdown.timeout).toBeGreaterThan(shutdown.drain_delay)
    // A request whose connection fails (the node closed meanwhile) is retried on another node, not answered 502.
    expect(seconds(proxySettings.get('lb_try_duration'))).toBeGreaterThan(0)
  })

  it('security review L8 (with M1): Caddy never routes /metrics (404), nor a tenant path prefix\'s', () => {
    const matcher = /^\s*@(\w+) path (.+)$/m.exec(caddyfile)
    expect(matcher, 'a named path matcher').not.toBeNull()
    const [, name, paths] = matcher as RegExpExecArray
    expect(paths?.split(/\s+/)).toEqual(expect.arrayContaining(['/metrics', '/metrics/*', '*/metrics', '*/metrics/*']))
    expect(caddyfile).toMatch(new RegExp(`^\\s*respond @${name} 404$`, 'm'))
    // Before the proxy in the site block (respond also runs before reverse_proxy in Caddy's directive order).
    expect(caddyfile.indexOf(`respond @${name}`)).toBeLessThan(caddyfile.indexOf('reverse_proxy'))
  })
})

describe('deploy/latch.service', () => {
  const unit = read('deploy/latch.service')
  /** Every `Key=value` of the unit (a key set twice keeps both values). */
  const settings = new Map<string, string[]>()
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (m) settings.set(m[1] as string, [...(settings.get(m[1] as string) ?? []), m[2] as string])
  }
  const one = (key: string) => settings.get(key)?.at(-1)

  it('systemd.exec(5): hardened (no new privileges, read-only system but the state directory, a user of its own)', () => {
    expect(one('NoNewPrivileges')).toBe('yes')
    expect(one('ProtectSystem')).toBe('strict')
    expect(one('ReadWritePaths')).toBe('/var/lib/latch')
    expect(one('StateDirectory')).toBe('latch')
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true)
    expect(one('ProtectHome')).toBe('yes')
    expect(one('PrivateTmp')).toBe('yes')
    expect(one('CapabilityBoundingSet')).toBe('')
    // V8's JIT writes executable memory: MemoryDenyWriteExecute=yes would crash node.
    expect(one('MemoryDenyWriteExecute')).toBeUndefined()
  })

  it('systemd.service(5): restarts on failure, SIGTERM stops within TimeoutStopSec (above the 10 s shutdown bound), SIGHUP reloads', () => {
    expect(one('Restart')).toBe('on-failure')
    expect(one('KillSignal')).toBe('SIGTERM')
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID')
    const stop = Number.parseInt(one('TimeoutStopSec') ?? '', 10)
    expect(stop).toBeGreaterThan(10)
    expect(stop).toBeLessThanOrEqual(30)
    expect(one('ExecStart')).toMatch(/ serve --config \/etc\/latch\/latch\.config\.yaml$/)
    expect(unit, 'secrets live in the EnvironmentFile, not the unit').not.toMatch(/Environment=.*(LATCH_SECRET|PASSWORD)/)
  })

  it('systemd-analyze verify accepts the unit (where systemd is installed)', (ctx) => {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
      ctx.skip()
      return
    }
    // The unit's node path may not exist on this machine: verify a copy that names this node.
    const dir = mkdtempSync(join(tmpdir(), 'latch-unit-'))
    try {
      const copy = join(dir, 'latch.service')
      writeFileSync(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`))
      const out = execFileSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      expect(out).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
