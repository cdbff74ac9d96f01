/**
 * How `latch` prints: `--json` writes one JSON document on stdout (an array for every listing
 * command, so scripts can pipe it to `jq`); human output is aligned columns. Notes and warnings go
 * to stderr so that stdout stays machine-readable either way. Both are the run's (io.ts).
 */
import { cliIo } from './io.js'

/** Writes `value` as JSON on stdout. */
export function printJson(value: unknown): void {
  cliIo().stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Writes a header row and rows as left-aligned columns separated by two spaces. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [headers, ...rows]
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const lines = all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
  cliIo().stdout.write(`${lines.join('\n')}\n`)
}

/** A line on stdout (the result of a command in human mode). */
export function say(line: string): void {
  cliIo().stdout.write(`${line}\n`)
}

/** A line on stderr: notes, warnings, hints. Never part of the result. */
export function note(line: string): void {
  cliIo().stderr.write(`${line}\n`)
}

/** Epoch seconds as an ISO 8601 UTC timestamp without milliseconds; `-` for none. */
export function isoTime(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined) return '-'
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z')
}
