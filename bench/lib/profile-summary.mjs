/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function (name, file, line),
 * summed over every node of the call tree, highest first. Also usable from the command line:
 * `node lib/profile-summary.mjs results/profiles/<name>.cpuprofile [top]`.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function summarize(file, top = 20, window = undefined) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map()
  const { samples, timeDeltas } = profile
  // Sample timestamps are CLOCK_MONOTONIC microseconds, the clock of process.hrtime: `window`
  // ({ from, to } in µs) keeps only the measuring window, without start-up, setup and warm-up.
  let t = profile.startTime
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i]
    if (window && (t < window.from || t > window.to)) continue
    const dt = timeDeltas[i + 1] ?? 0 // delta i+1 is the time spent in sample i
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt)
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const byFunction = new Map()
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`.trim()
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
  }
  const rows = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ function: fn, self_ms: Math.round(us / 1000), self_pct: Math.round((us / total) * 1000) / 10 }))
  return { total_ms: Math.round(total / 1000), top: rows, by_package: byPackage(profile, byId, selfUs, total) }
}

function shorten(url) {
  const u = url.replace(/^file:\/\//, '')
  const nm = u.lastIndexOf('node_modules/')
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length)
  const pkg = u.indexOf('/packages/')
  return pkg >= 0 ? u.slice(pkg + 1) : u
}

/** Self time grouped by npm package (or Latch source, node internals, native/GC). */
function byPackage(profile, byId, selfUs, total) {
  const groups = new Map()
  for (const [id, us] of selfUs) {
    const { url, functionName } = byId.get(id).callFrame
    let group
    if (!url) group = functionName.startsWith('(') ? functionName : '(native)'
    else if (url.startsWith('node:')) group = 'node internals'
    else {
      const s = shorten(url)
      if (s.startsWith('packages/server')) group = 'latch (packages/server)'
      else if (s.includes('/')) group = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]
      else group = s
    }
    groups.set(group, (groups.get(group) ?? 0) + us)
  }
  return [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([group, us]) => ({ group, self_pct: Math.round((us / total) * 1000) / 10 }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = summarize(process.argv[2], Number(process.argv[3] ?? 25), process.argv[4] ? JSON.parse(process.argv[4]) : undefined)
  console.log(`total sampled: ${out.total_ms} ms`)
  console.table(out.top)
  console.table(out.by_package)
}
