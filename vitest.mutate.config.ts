// The vitest config of the mutation groups that need no database
// (stryker.config.mjs): the project's, with a short test timeout, so that a
// mutant that leaves a promise pending fails its test in seconds instead of
// hanging the runner until Stryker restarts it.
import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

export default mergeConfig(base, defineConfig({ test: { testTimeout: 3_000, hookTimeout: 10_000 } }))
