/**
 * Load generator for multi-request flows, which autocannon cannot chain: N workers, each looping
 * over one flow for a fixed time over a shared keep-alive agent. Run by the harness as
 * `taskset -c 1 node load/loop.mjs '<json>'`. Flows:
 * - `session`: GET /authorize with the worker's session cookie (consent remembered or
 *   pre-established) → 303 with a code → POST /token (code + PKCE verifier); with `hosts`, a
 *   session at each of the worker's tenants, taken in turn (the tenants scenarios, issue 11);
 * - `login`: a fresh cookie jar every iteration: authorize → sign-in page → POST email+password →
 *   … → code → POST /token;
 * - `refresh`: each worker holds its own refresh-token chain and rotates it in a loop;
 * - `org-refresh` (Latch only, issue 10): the same for a grant for an organization, opened with
 *   the password grant (`organization=acme`).
 * An iteration counts when it starts after the warm-up and ends before the deadline; its latency
 * is the whole round trip. Prints one JSON line.
 * Given the server's `serverPid`, the server's CPU time is read at the two edges of the measuring
 * window (lib/machine.mjs `serverCpuWindow`), and `completed` counts the iterations that ended
 * inside it, whenever they started: that is the work the CPU time paid for (the latency sample
 * keeps only iterations wholly inside the window, so it omits the ones in flight at its edges).
 */
import { CookieJar, createAgent } from '../lib/http.mjs'
import { ORG_WEB } from '../lib/fixtures.mjs'
import { authorizeToCode, exchangeCode, organizationGrant, refresh } from '../lib/flows.mjs'
import { serverCpuWindow } from '../lib/machine.mjs'

const o = JSON.parse(process.argv[2])
const target = { url: o.url, paths: o.paths }
const agent = createAgent(o.connections)

/**
 * The tenants scenarios (issue 11) give `hosts`, the tenants to spread the load over uniformly:
 * worker w serves hosts w, w + N, w + 2N, … (N workers), or, with fewer hosts than workers, host
 * w mod their number. Without `hosts` every worker serves `target`.
 */
const targets = o.hosts ? o.hosts.map((host) => ({ url: `http://${host}`, paths: o.paths })) : [target]
function tenantsOf(worker) {
  if (targets.length <= o.connections) return [targets[worker % targets.length]]
  return targets.filter((_, i) => i % o.connections === worker)
}

/** Per-worker state and one iteration, for each flow. */
const FLOWS = {
  session: {
    // A worker holds one signed-in browser per tenant it serves and takes them in turn.
    async setup(worker) {
      const tenants = []
      for (const t of tenantsOf(worker)) {
        const jar = new CookieJar()
        const first = await authorizeToCode(agent, jar, t)
        await exchangeCode(agent, t, first.code, first.verifier)
        tenants.push({ jar, target: t })
      }
      return { tenants, next: 0 }
    },
    async iteration(state) {
      const { jar, target: t } = state.tenants[state.next++ % state.tenants.length]
      const { code, verifier, steps } = await authorizeToCode(agent, jar, t, { allowLogin: false })
      await exchangeCode(agent, t, code, verifier)
      return steps + 1
    },
  },
  login: {
    async setup() {
      return {}
    },
    async iteration() {
      const { code, verifier, steps } = await authorizeToCode(agent, new CookieJar(), target)
      await exchangeCode(agent, target, code, verifier)
      return steps + 1
    },
  },
  refresh: {
    async setup() {
      const jar = new CookieJar()
      const { code, verifier } = await authorizeToCode(agent, jar, target)
      const tokens = await exchangeCode(agent, target, code, verifier)
      return { jar, refreshToken: tokens.refresh_token }
    },
    async iteration(state) {
      const tokens = await refresh(agent, target, state.refreshToken)
      state.refreshToken = tokens.refresh_token
      return 1
    },
  },
  'org-refresh': {
    async setup() {
      const tokens = await organizationGrant(agent, target)
      return { refreshToken: tokens.refresh_token }
    },
    async iteration(state) {
      const tokens = await refresh(agent, target, state.refreshToken, ORG_WEB)
      state.refreshToken = tokens.refresh_token
      return 1
    },
  },
}

const flow = FLOWS[o.flow]
if (!flow) throw new Error(`unknown flow ${o.flow}`)

// Setup sequentially for the first worker (Latch records the one consent there), then in parallel.
// With tenants, each worker's first sign-in at a tenant gives that tenant's consent, and a worker's
// own tenants are set up one after the other; the first request of each tenant loads it and makes
// its signing key, so all of that is done before the warm-up starts.
const states = [await flow.setup(0)]
states.push(...(await Promise.all(Array.from({ length: o.connections - 1 }, (_, i) => flow.setup(i + 1)))))

const start = performance.now()
const measureFrom = start + o.warmup * 1000
const deadline = measureFrom + o.duration * 1000
const latencies = []
let errors = 0
let requests = 0
let firstError
const cpu = serverCpuWindow(o.serverPid)
let cpuWindow
let cpuFrom = Infinity
let cpuTo = Infinity
let completed = 0
const edges = [
  setTimeout(() => {
    cpu?.begin()
    cpuFrom = performance.now()
  }, measureFrom - performance.now()),
  setTimeout(() => {
    cpuTo = performance.now()
    cpuWindow = cpu?.end()
  }, deadline - performance.now()),
]

async function worker(state, w) {
  while (performance.now() < deadline) {
    const t0 = performance.now()
    try {
      const n = await flow.iteration(state)
      const t1 = performance.now()
      if (t1 >= cpuFrom && t1 <= cpuTo) completed++
      if (t0 >= measureFrom && t1 <= deadline) {
        latencies.push(t1 - t0)
        requests += n
      }
    } catch (err) {
      errors++
      firstError ??= String(err?.message ?? err)
      // A broken refresh chain or session is rebuilt so the worker keeps going.
      try {
        Object.assign(state, await flow.setup(w))
      } catch {}
    }
  }
}

await Promise.all(states.map((state, w) => worker(state, w)))
for (const t of edges) clearTimeout(t)
if (cpu && !cpuWindow) cpuWindow = cpu.end() // every worker ended before the timer ran
agent.destroy()

latencies.sort((a, b) => a - b)
const pct = (p) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)])
const round = (x) => (x === null ? null : Math.round(x * 100) / 100)
process.stdout.write(`${JSON.stringify({
  rps: latencies.length / o.duration,
  iterations: latencies.length,
  http_requests_per_iteration: latencies.length ? requests / latencies.length : null,
  http_rps: requests / o.duration,
  p50_ms: round(pct(50)),
  p99_ms: round(pct(99)),
  mean_ms: round(latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1)),
  errors,
  first_error: firstError,
  ...(cpuWindow ? { completed, ...cpuWindow } : {}),
})}\n`)
