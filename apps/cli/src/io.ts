/**
 * What a `latch` run reads and writes outside its database: its working directory, environment,
 * standard input and output. The bin runs with the process's own (`processIo`); `runCli` can run
 * a command with others, in-process (the CLI tests: hundreds of runs, one Node process, each with
 * its own directory and environment, two at a time). So nothing below `runCli` reads
 * `process.cwd()`, `process.env` or the process's streams: it asks `cliIo()`, the IO of the run
 * it is part of, an `AsyncLocalStorage` store (as lib/request-context.ts is for a request), which
 * follows each run through its awaits and never leaks into a run beside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { isAbsolute, resolve } from 'node:path'
import type { Readable } from 'node:stream'

/** A sink for text: process.stdout, or a buffer of a test. */
export interface TextSink {
  write(text: string): unknown
  isTTY?: boolean
}

export interface CliIo {
  /** What relative paths (config file, `sqlite:./latch.db`, --branding, --tenant-config, --jwks) are relative to. */
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  /** Read by `--password-stdin` and `--client-secret-stdin`; a terminal (`isTTY`) is asked with prompts. */
  stdin: Readable & { isTTY?: boolean }
  stdout: TextSink
  stderr: TextSink
}

/** The process's own: what the `latch` bin runs with. */
export function processIo(): CliIo {
  return { cwd: process.cwd(), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
}

const current = new AsyncLocalStorage<CliIo>()

/** Runs `fn` with `io` as the IO of everything it calls, awaits included. */
export function withIo<T>(io: CliIo, fn: () => T): T {
  return current.run(io, fn)
}

/** The IO of the run in progress; outside `runCli` (never in the CLI itself), the process's. */
export function cliIo(): CliIo {
  return current.getStore() ?? processIo()
}

/** `file` as given on the command line, resolved against the run's working directory. */
export function inCwd(file: string): string {
  return isAbsolute(file) ? file : resolve(cliIo().cwd, file)
}

/** All of standard input as text (one trailing newline dropped, so `echo secret | latch …` works). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of cliIo().stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
