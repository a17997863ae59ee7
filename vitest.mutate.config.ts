// The vitest config of mutation runs (stryker.config.mjs): the project's, with
// test files not isolated from each other, so that each mutant's run does not
// import the module graph again (Stryker switches mutants at run time).
import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

export default mergeConfig(base, defineConfig({ test: { isolate: false } }))
