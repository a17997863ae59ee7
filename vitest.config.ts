import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Embedded PostgreSQL takes seconds to boot under load on two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
