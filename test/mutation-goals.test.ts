// CI does not run mutation testing (minutes per group); it holds the
// committed reports of the last run (reports/mutation/<group>.json, written
// by `npm run mutate`) to the goals in stryker.config.mjs instead. A change
// that lowers a score, committed with a refreshed report, fails here; so does
// a group without a report, or a summary that does not match its report.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const REPORTS = join(ROOT, 'reports', 'mutation')

interface Run {
  mutate: string[]
  testFiles: string[]
}
interface Group extends Partial<Run> {
  /** Runs with tests of their own (scripts/mutate.mjs), merged into the group's one report. */
  parts?: Run[]
  goal: number
  /** While a group is under its goal: the score its committed report must keep (a ratchet, never lowered). */
  floor?: number
  perFile?: boolean
  /** Why a group has no committed report yet; it is skipped, visibly, until it has one. */
  pending?: string
}
interface Report {
  files: Record<string, { mutants: Array<{ status: string }> }>
}

const config = (await import(pathToFileURL(join(ROOT, 'stryker.config.mjs')).href)) as { groups: Record<string, Group> }
const summary = JSON.parse(readFileSync(join(REPORTS, 'summary.json'), 'utf8')) as Record<string, { date: string; score: number; goal: number }>

/** Stryker's mutation score: killed and timed-out mutants over all valid ones (ignored and erroring ones left out). */
function score(files: Report['files'][string][]): number {
  let detected = 0
  let valid = 0
  for (const file of files) {
    for (const { status } of file.mutants) {
      if (status === 'Killed' || status === 'Timeout') detected++
      if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(status)) valid++
    }
  }
  return valid === 0 ? 100 : (100 * detected) / valid
}

describe('committed mutation reports', () => {
  for (const [name, group] of Object.entries(config.groups)) {
    const required = group.floor ?? group.goal
    if (group.pending !== undefined) {
      // Not a skip: a group without a run says why, and loses the excuse once its report is committed.
      it(`${name}: pending (${group.pending}), so no report is committed`, () => {
        expect(group.pending!.length).toBeGreaterThan(10)
        expect(existsSync(join(REPORTS, `${name}.json`)), `reports/mutation/${name}.json exists: remove pending from its group`).toBe(false)
      })
      continue
    }
    it(`${name}: at least ${required} %${group.perFile ? ' in every file' : ''}${group.floor === undefined ? '' : ` (goal ${group.goal} %, not met yet)`}`, () => {
      const path = join(REPORTS, `${name}.json`)
      expect(existsSync(path), `no report for ${name}: run npm run mutate -- ${name}`).toBe(true)
      const report = JSON.parse(readFileSync(path, 'utf8')) as Report
      const files = Object.entries(report.files)
      expect(files.length).toBeGreaterThan(0)
      // Every file the group names (globs aside) was mutated: a part left out of a merge shows here.
      const named = (group.parts ?? [group as Run]).flatMap((run) => run.mutate).filter((path) => !/[*!]/.test(path))
      expect(Object.keys(report.files)).toEqual(expect.arrayContaining(named))
      const total = score(files.map(([, file]) => file))
      expect(total, `${name} scores ${total.toFixed(2)} %, under ${required} %`).toBeGreaterThanOrEqual(required)
      if (group.perFile) {
        for (const [file, mutants] of files) {
          const own = score([mutants])
          expect(own, `${file} scores ${own.toFixed(2)} %, under ${required} %`).toBeGreaterThanOrEqual(required)
        }
      }
      expect(summary[name], `reports/mutation/summary.json has no entry for ${name}`).toBeDefined()
      expect(summary[name]!.score).toBeCloseTo(total, 1)
      expect(summary[name]!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    })
    if (group.floor !== undefined) {
      it(`${name}: a floor only while the goal is not met`, () => {
        expect(group.floor).toBeLessThan(group.goal)
      })
    }
  }
})
