// Mutation testing (StrykerJS + its vitest runner), one group at a time:
// `npm run mutate` runs every group, `npm run mutate -- <group>` one of them
// (scripts/mutate.mjs). Each group mutates only its own files and runs only
// the test files that exercise them, so it finishes in minutes on two cores.
// `goal` is the mutation score (Stryker's: killed + timeout over all valid
// mutants) that test/mutation-goals.test.ts holds the committed reports to;
// `perFile` means every mutated file must meet it on its own; `parts` splits a
// group into runs with tests of their own, merged into one report. `backends` is
// TEST_BACKENDS for the run: 'none' leaves out the suites that need a
// database (test/support/backends.ts), which would run for every mutant.

/** @typedef {{ mutate: string[], testFiles: string[], backends: string, concurrency?: number }} Run */
/** @type {Record<string, (Run | { parts: Run[] }) & { goal: number, floor?: number, perFile?: boolean, pending?: string }>} */
export const groups = {
  validate: {
    mutate: ['src/model/validate.ts'],
    testFiles: ['test/model/validate.test.ts', 'test/validate-batch.test.ts'],
    goal: 90,
    backends: 'none',
  },
  import: {
    mutate: ['src/import/adapters/*.ts', '!src/import/adapters/index.ts'],
    testFiles: [
      'test/import/adapters.test.ts',
      'test/import/real.test.ts',
      'test/import/adapters-raw.test.ts',
      // One file per adapter for the edges each payload shape has.
      ...['elevenlabs', 'livekit', 'openai-chat', 'openai-realtime', 'parley', 'retell', 'shared', 'vapi', 'vercel-ui'].map((name) => `test/import/adapter-${name}.test.ts`),
    ],
    goal: 85,
    backends: 'none',
    perFile: true,
    // The largest group (some 1,800 mutants): two runners, the most the shared machine allows.
    concurrency: 2,
  },
  client: {
    mutate: ['src/client/batcher.ts', 'src/client/backoff.ts', 'src/client/http.ts'],
    testFiles: ['test/client/backoff.test.ts', 'test/client/batcher.test.ts', 'test/client/http.test.ts'],
    goal: 85,
    backends: 'none',
  },
  export: {
    mutate: ['src/export/**/*.ts'],
    testFiles: ['test/export/captions.test.ts', 'test/export/formats.test.ts', 'test/export/exact-output.test.ts', 'test/export/tool-turns.test.ts'],
    goal: 90,
    backends: 'none',
  },
  doctor: {
    goal: 90,
    // Two runs, one report: each file with only the tests that exercise it.
    parts: [
      { mutate: ['src/doctor/compare.ts'], testFiles: ['test/doctor/compare.test.ts', 'test/doctor/compare-widening.test.ts'], backends: 'none' },
      {
        mutate: ['src/doctor/fix-sql.ts'],
        // The suite that applies the script to drifted databases and checks the result
        // (test/doctor/fix-sql-applied.test.ts, built in-process so that mutants reach it). The CLI
        // suites (drift, old-schema) are left out: they check the schema in their hooks, which makes
        // a mutant run every test, and the binary they run has no mutants.
        testFiles: ['test/doctor/compare-widening.test.ts', 'test/doctor/fix-sql-applied.test.ts', 'test/doctor/fix-sql-edges.test.ts'],
        // PostgreSQL only during the run: an embedded database takes 10-16 s to boot on this
        // machine, once per mutant. npm test runs the same suite on PGlite too.
        backends: 'postgres',
      },
    ],
  },
  'write-path': {
    // Batch building (batchJson, batchInputJson) and the group-commit queue (MessageWriter): its
    // batching, sharing out among connections, per-session order, retries alone, lock lanes.
    mutate: ['src/tracker/message-writer.ts'],
    // (bounded-waits and database-conditions reach it too, but wait out lock timeouts for every mutant;
    // write-path.test.ts checks the same lanes and failing clock with shorter waits.)
    testFiles: ['test/validate-batch.test.ts', 'test/tracker.test.ts', 'test/write-path.test.ts'],
    // The queue is tested on real databases only (no fake one); see docs/testing.md for the goal.
    goal: 85,
    // PostgreSQL only during the run, as for the doctor: PGlite boots in 10-16 s per mutant here.
    // npm test runs these suites on PGlite as well.
    backends: 'postgres',
  },
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Two cores shared by several people: one test runner at a time.
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'reports', 'docs', 'bench', 'dashboard/dist', '.parley', 'test-results', '*.log'],
  // Static mutants (module-level constants such as the UUID pattern) are kept: they run every
  // test of the group, which these small groups can afford, and some hide real gaps. They take
  // effect because the group's test files are chosen in vitest.mutate.config.ts, not with
  // Stryker's testFiles (stryker-js#6144).
  ignoreStatic: false,
  // A mutant that loops forever (a retry or drain loop) costs this long; the tests themselves take milliseconds.
  timeoutMS: 5_000,
  thresholds: { high: 90, low: 85 },
}
