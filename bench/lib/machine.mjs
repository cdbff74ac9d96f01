/**
 * What the benchmark scripts read off the machine (Linux /proc): per-core busy time, a process's
 * CPU ticks and memory, and a bounded wait for an idle machine before each measurement, so a noisy
 * run shows in the results instead of silently skewing them.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Peak and current resident memory of `pid`, kB. */
export function procStatus(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
  return { VmHWM: kb('VmHWM'), VmRSS: kb('VmRSS') }
}

/** Per core: busy and total ticks from /proc/stat. */
export function coreTicks() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l))
  return lines.map((l) => {
    const v = l.split(/\s+/).slice(1).map(Number)
    const idle = v[3] + v[4]
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  })
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of `pid`, ticks (0 once it is gone). All its threads count: the libuv pool, GC. */
export function procTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(f[11]) + Number(f[12])
  } catch {
    return 0
  }
}

/**
 * Waits, at most `seconds`, until no core is busier than 15% over a 1 s sample. Returns each
 * core's busy share of the last sample and whether it gave up waiting.
 */
export async function waitForQuiet(seconds, log = (m) => process.stderr.write(`${m}\n`)) {
  const until = Date.now() + seconds * 1000
  for (;;) {
    const a = coreTicks()
    await sleep(1000)
    const busy = coreTicks().map((c, i) => (c.busy - a[i].busy) / Math.max(1, c.total - a[i].total))
    if (busy.every((x) => x < 0.15)) return { waited: false, busy }
    if (Date.now() > until) {
      log(`  ! machine still busy (${busy.map((x) => `${Math.round(x * 100)}%`).join(', ')}): measuring anyway`)
      return { waited: true, busy }
    }
    await sleep(2000)
  }
}

/**
 * The CPU a server spent over a measuring window, read by the load generator at the window's two
 * edges: `begin()` at its start, `end()` at its end. Returns the server's CPU time (utime + stime of
 * every thread, µs) and the window's edges on CLOCK_MONOTONIC (µs, the clock of V8's profile
 * timestamps), or null when no pid was given.
 */
export function serverCpuWindow(pid) {
  if (!pid) return null
  const hrUs = () => Number(process.hrtime.bigint() / 1000n)
  let from
  let ticks0
  return {
    begin() {
      ticks0 = procTicks(pid)
      from = hrUs()
    },
    end() {
      const to = hrUs()
      const ticks = procTicks(pid) - ticks0
      return { server_cpu_us: Math.round((ticks * 1e6) / CLK_TCK), window_us: { from, to } }
    },
  }
}
