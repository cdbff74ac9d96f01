#!/usr/bin/env node
// The `latch` command of @latch/server. A committed shim (not dist/) so that npm links the bin at
// install time, before the `prepare` build has produced dist/. The CLI's sources are apps/cli/src;
// apps/cli/tsconfig.json builds them into this package's dist/cli/, so the published tarball
// carries the command (`npx latch serve` after `npm install @latch/server`).
import '../dist/cli/main.js'
