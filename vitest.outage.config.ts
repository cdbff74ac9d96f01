/**
 * The database outage test alone (`npm run test:outage`, the last step of `npm test`): it stops and
 * starts the PostgreSQL server every other test shares, so it runs in its own vitest run, one file
 * at a time, never in parallel with anything. The default config excludes its folder.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/server/test/outage/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
