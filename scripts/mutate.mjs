#!/usr/bin/env node
// `npm run mutate [-- <group>...]`: runs StrykerJS on each named group of
// stryker.config.mjs (all of them when none is named), one after another,
// with that group's `mutate` globs and only that group's test files. The
// JSON report of each run goes to reports/mutation/<group>.json, and
// reports/mutation/summary.json keeps the date, score and minutes per group.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Stryker } from '@stryker-mutator/core'
import base, { groups } from '../stryker.config.mjs'

const ROOT = join(import.meta.dirname, '..')
const REPORTS = join(ROOT, 'reports', 'mutation')

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !(name in groups))
if (unknown.length > 0) {
  console.error(`unknown group ${unknown.join(', ')}; the groups are ${Object.keys(groups).join(', ')}`)
  process.exit(2)
}
const names = asked.length > 0 ? asked : Object.keys(groups)

// Stryker does not run twice in one process (its second config read fails): one child per group.
if (names.length > 1) {
  let failed = false
  for (const name of names) {
    const child = spawnSync(process.execPath, [import.meta.filename, name], { stdio: 'inherit' })
    if (child.status !== 0) failed = true
  }
  process.exit(failed ? 1 : 0)
}

/** Stryker's mutation score: detected (killed, timeout) over every valid mutant. */
function score(report) {
  let detected = 0
  let valid = 0
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') detected++
      if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(mutant.status)) valid++
    }
  }
  return valid === 0 ? 100 : (100 * detected) / valid
}

const summaryPath = join(REPORTS, 'summary.json')
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : {}
let failed = false
for (const name of names) {
  const group = groups[name]
  const started = Date.now()
  console.error(`\n== mutation group ${name}: ${group.mutate.join(' ')}`)
  const reportPath = join(REPORTS, `${name}.json`)
  process.env.TEST_BACKENDS = group.backends
  await new Stryker({
    ...base,
    mutate: group.mutate,
    // A group may name a test file that a branch has not added yet.
    testFiles: group.testFiles.filter((file) => existsSync(join(ROOT, file))),
    ...(group.concurrency && { concurrency: group.concurrency }),
    ...(group.vitestConfig && { vitest: { ...base.vitest, configFile: group.vitestConfig } }),
    jsonReporter: { fileName: reportPath },
  }).runMutationTest()
  const report = JSON.parse(readFileSync(reportPath, 'utf8'))
  const minutes = Math.round((Date.now() - started) / 6000) / 10
  const value = Math.round(score(report) * 100) / 100
  summary[name] = { date: new Date().toISOString().slice(0, 10), score: value, goal: group.goal, minutes }
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`)
  console.error(`== ${name}: ${value} % (goal ${group.goal} %) in ${minutes} min`)
  if (value < group.goal) failed = true
}
process.exit(failed ? 1 : 0)
