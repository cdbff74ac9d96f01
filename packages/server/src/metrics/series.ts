/**
 * Counters and histograms for the hot path, exposed through prom-client's registry. prom-client's
 * own `observe(labels, value)` validates the labels and builds a string key from them on every
 * call; here a series (one label set) is looked up once and kept by its caller, so a request costs
 * a few additions and no allocation. The registry only reads the series at scrape time (`get()`,
 * prom-client's metric shape), which also renders cumulative `le` buckets, `_sum` and `_count`.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 * @see https://prometheus.io/docs/practices/histograms/
 */
import type { Registry } from 'prom-client'

type Labels = Readonly<Record<string, string>>

/** One label set of a histogram: bucket counts (not cumulative), sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array
  sum = 0
  count = 0
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe(value: number): void {
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    this.counts[i]!++
    this.sum += value
    this.count++
  }
}

/** One label set of a counter. */
export class CounterSeries {
  value = 0
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by
  }
}

export interface MetricValue {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

/** What prom-client's `Registry` reads from a metric. */
export abstract class Collected<S> {
  readonly aggregator = 'sum'
  readonly series: S[] = []
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract values(): MetricValue[]
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() }
  }
  reset(): void {}
  registerIn(registry: Registry): this {
    registry.registerMetric(this as never)
    return this
  }
}

export class FastHistogram extends Collected<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    readonly bounds: readonly number[],
  ) {
    super(name, help, 'histogram')
  }

  /** A new series (the caller keeps it: looked up once, observed many times). */
  create(labels: Labels): HistogramSeries {
    const series = new HistogramSeries(labels, this.bounds)
    this.series.push(series)
    return series
  }

  values(): MetricValue[] {
    const out: MetricValue[] = []
    for (const s of this.series) {
      let cumulative = 0
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i]!
        out.push({ labels: { ...s.labels, le: i < this.bounds.length ? this.bounds[i]! : '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` })
      }
      out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` })
      out.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` })
    }
    return out
  }
}

export class FastCounter extends Collected<CounterSeries> {
  constructor(name: string, help: string) {
    super(name, help, 'counter')
  }
  create(labels: Labels): CounterSeries {
    const series = new CounterSeries(labels)
    this.series.push(series)
    return series
  }
  values(): MetricValue[] {
    return this.series.map((s) => ({ labels: { ...s.labels }, value: s.value }))
  }
}

/**
 * A counter whose series are found by their label values through nested maps (no key string is
 * built per call). `admit` maps a label set to the one that is stored (the cardinality cap turns
 * a value past the cap into `other`); it runs only when a label set is new.
 */
export class LabelledCounter extends FastCounter {
  readonly #root = new Map<string, unknown>()
  readonly #byKey = new Map<string, CounterSeries>()
  constructor(
    name: string,
    help: string,
    readonly labelNames: readonly string[],
    private readonly admit: (values: string[]) => string[] = (values) => values,
  ) {
    super(name, help)
  }

  /** The series of these label values (in `labelNames` order; one to three labels). */
  at(a: string, b = '', c = ''): CounterSeries {
    const n = this.labelNames.length
    let found: unknown
    if (n === 1) found = this.#root.get(a)
    else {
      const first = this.#root.get(a) as Map<string, unknown> | undefined
      if (first !== undefined) {
        if (n === 2) found = first.get(b)
        else found = (first.get(b) as Map<string, unknown> | undefined)?.get(c)
      }
    }
    if (found !== undefined) return found as CounterSeries
    return this.#insert(n === 1 ? [a] : n === 2 ? [a, b] : [a, b, c])
  }

  #insert(values: string[]): CounterSeries {
    const admitted = this.admit(values)
    const key = admitted.join('\u0000')
    let series = this.#byKey.get(key)
    if (series === undefined) {
      series = this.create(Object.fromEntries(this.labelNames.map((name, i) => [name, admitted[i]!])))
      this.#byKey.set(key, series)
    }
    // Only admitted values are remembered by the maps: values past the cap take this slow path each time, and memory stays bounded.
    if (admitted.every((v, i) => v === values[i])) {
      let level = this.#root
      for (let i = 0; i < values.length - 1; i++) {
        let next = level.get(values[i]!) as Map<string, unknown> | undefined
        if (next === undefined) level.set(values[i]!, (next = new Map()))
        level = next
      }
      level.set(values[values.length - 1]!, series)
    }
    return series
  }
}

/** A gauge read at scrape time: `read` returns its samples (none: the family is declared without samples). */
export class ReadGauge extends Collected<never> {
  constructor(
    name: string,
    help: string,
    private readonly read: () => MetricValue[],
  ) {
    super(name, help, 'gauge')
  }
  values(): MetricValue[] {
    return this.read()
  }
}
