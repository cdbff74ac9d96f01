#!/usr/bin/env node
// The `latch` command. A committed shim (not dist/) so that npm links the bin at install time,
// before the `prepare` build has produced dist/main.js.
import '../dist/main.js'
