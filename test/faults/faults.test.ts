// Issue 15's fault suite. `npm test` runs it short (each fault once, shorter
// outages, under five minutes); `npm run faults` runs it full and writes
// faults/results/latest.json. See docs/testing.md and docs/reliability.md.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { ROOT } from '../support/cli.js'
import { template as makeTemplate, type Template } from './cluster.js'
import type { Figures } from './figures.js'
import { table, writeResults } from './report.js'
import { scenarios } from './scenarios.js'
import { Slots } from './slots.js'

const full = process.env.PARLEY_FAULTS === 'full'
// A call may retry for 30 s and more (the SDK's budget) plus one request timeout.
// The short run overlaps scenarios (most of a scenario is waiting on a fault); the full run measures one at a time.
const mode = { full, parallel: full ? 1 : 3, hangBoundMs: full ? 120_000 : 90_000 }
// PARLEY_FAULTS_ONLY=name,name runs only those (while working on one); results then go to partial.json.
const only = process.env.PARLEY_FAULTS_ONLY?.split(',').filter(Boolean)
const chosen = scenarios(mode).filter((scenario) => !only || only.some((name) => scenario.name.startsWith(name)))
const results: Figures[] = []
const began = Date.now()

describe(`fault suite (${full ? 'full' : 'short'})`, () => {
  let template: Template | undefined
  beforeAll(async () => {
    template = await makeTemplate()
  }, 300_000)
  afterAll(() => {
    template?.remove()
    if (results.length === 0) return
    const order = chosen.map((scenario) => scenario.name)
    results.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario))
    console.log(`\nfault suite, ${full ? 'full' : 'short'} run\n${table(results)}\n`)
    const minutes = Math.round((Date.now() - began) / 600) / 100
    writeResults(join(ROOT, 'faults', 'results', only ? 'partial.json' : full ? 'latest.json' : 'short.json'), full ? 'full' : 'short', results, minutes)
  })

  const slots = new Slots(mode.parallel)
  for (const scenario of chosen) {
    it.concurrent(
      scenario.name,
      async ({ expect }) => {
        const result = await slots.run(() => scenario.run(template!, mode))
        results.push(result)
        // Acknowledged means committed; a resend with the same id never stores twice; no call
        // waits for ever; the database's conditions are 503s, never another 5xx; "not stored" is true.
        // After the fault the server takes writes again (every resend acknowledged) and never crashed on its own.
        expect({
          lost: result.lost,
          duplicated: result.duplicated,
          hung: result.hung,
          server_errors: result.server_errors,
          not_stored_but_stored: result.not_stored_but_stored,
          // Every rejection names its messages and says whether they may be stored.
          unknown_outcome: result.unknown_outcome,
          recovered: result.recovered !== false,
          resends_unacknowledged: result.resent - result.resent_acked,
          unexpected_server_exits: result.notes.unexpected_server_exits ?? 0,
        }).toEqual({ lost: 0, duplicated: 0, hung: 0, server_errors: 0, not_stored_but_stored: 0, unknown_outcome: 0, recovered: true, resends_unacknowledged: 0, unexpected_server_exits: 0 })
        expect(result.acknowledged).toBeGreaterThan(0)
        if (scenario.name === 'server-sigterm') expect(result.notes.exit_code).toBe(0)
        if (scenario.name === 'same-id-100') {
          expect(result.stored).toBe(result.notes.rounds)
          expect(result.acknowledged).toBe(result.attempted)
          expect(result.notes.acked_with_another_id).toBe(0)
        }
        if (scenario.name === 'end-session-queued') {
          expect(result.acknowledged).toBe(result.attempted)
          expect(result.notes.ended_with_wrong_count).toBe(0)
        }
        if (scenario.name === 'locked-session') expect(result.notes.other_sessions_acked_while_locked).toBeGreaterThan(0)
      },
      // Waiting for a slot counts too.
      full ? 1_800_000 : 600_000,
    )
  }
})
