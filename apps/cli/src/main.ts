#!/usr/bin/env node
/**
 * The `latch` bin: runs the command line (run-cli.ts) with the process's own directory,
 * environment and streams, and exits with its code.
 */
import { runCli } from './run-cli.js'

// `latch users list | head`: a closed pipe ends the command quietly, not with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

// exitCode, not exit(): stdout (a large --json listing into a pipe) is flushed before exiting.
process.exitCode = await runCli(process.argv.slice(2))
