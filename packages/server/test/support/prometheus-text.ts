/**
 * A small strict parser of the Prometheus text exposition format 0.0.4, for tests: every line is
 * a `# HELP`, a `# TYPE`, a sample or blank, every sample belongs to a declared family, label
 * values are unescaped, and anything else throws, so a malformed scrape fails the test.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Scrape {
  /** Family name → type (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>
  help: Map<string, string>
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    if (eq < 0) throw new Error(`bad labels: ${line}`)
    const name = text.slice(i, eq)
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad label name "${name}": ${line}`)
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value: ${line}`)
    let value = ''
    let j = eq + 2
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j]
        if (next === 'n') value += '\n'
        else if (next === '\\' || next === '"') value += next
        else throw new Error(`bad escape in ${line}`)
      } else value += text[j]
    }
    if (text[j] !== '"') throw new Error(`unterminated label value: ${line}`)
    if (name in labels) throw new Error(`label ${name} twice: ${line}`)
    labels[name] = value
    i = j + 1
    if (text[i] === ',') i++
    else if (i < text.length) throw new Error(`expected , after a label: ${line}`)
  }
  return labels
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN' || text === 'Nan') return NaN
  const value = Number(text)
  if (Number.isNaN(value)) throw new Error(`bad value: ${line}`)
  return value
}

/** The family a sample belongs to: its name, or a histogram's/summary's minus `_bucket`, `_sum`, `_count`. */
export function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name
  const base = name.replace(/_(bucket|sum|count)$/, '')
  const type = types.get(base)
  return type === 'histogram' || type === 'summary' ? base : undefined
}

export function parsePrometheusText(text: string): Scrape {
  const scrape: Scrape = { types: new Map(), help: new Map(), samples: [] }
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) {
      const [name, ...rest] = line.slice(7).split(' ')
      if (!NAME.test(name!)) throw new Error(`bad HELP: ${line}`)
      scrape.help.set(name!, rest.join(' '))
      continue
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ')
      if (!NAME.test(name!) || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!)) throw new Error(`bad TYPE: ${line}`)
      if (scrape.types.has(name!)) throw new Error(`TYPE twice: ${line}`)
      scrape.types.set(name!, type!)
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a sample: ${line}`)
    const name = match[1]!
    if (familyOf(name, scrape.types) === undefined) throw new Error(`sample of an undeclared family: ${line}`)
    scrape.samples.push({ name, labels: match[3] ? parseLabels(match[3], line) : {}, value: parseValue(match[4]!, line) })
  }
  return scrape
}

/** The value of the one sample named `name` whose labels include `labels` (0 when there is none). */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const found = scrape.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value ?? 0
}
