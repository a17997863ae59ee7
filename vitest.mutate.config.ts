// The vitest config of a mutation run (scripts/mutate.mjs): the project's,
// limited to the group's test files. The files are chosen here, not with
// Stryker's `testFiles`: with `testFiles` StrykerJS 9.6 activates a static
// mutant (a module-level constant) only after its module has loaded, so it
// is never in effect (stryker-js#6144). Groups that need no database get a
// short test timeout, so that a mutant that leaves a promise pending fails its
// test in seconds instead of hanging the runner until Stryker restarts it.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

const files = process.env.PARLEY_MUTATION_TEST_FILES?.split(',').filter(Boolean)
const quick = process.env.TEST_BACKENDS === 'none'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    ...(files && { include: files }),
    ...(quick && { testTimeout: 3_000, hookTimeout: 10_000 }),
  },
})
