#!/usr/bin/env node
// `npm run mutate [-- <group>...]`: runs StrykerJS on each named group of
// stryker.config.mjs (all of them when none is named), one after another,
// with that group's `mutate` globs and only that group's test files. The
// JSON report of each run goes to reports/mutation/<group>.json, and
// reports/mutation/summary.json keeps the date, score and minutes per group.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Stryker } from '@stryker-mutator/core'
import base, { groups } from '../stryker.config.mjs'

const ROOT = join(import.meta.dirname, '..')
const REPORTS = join(ROOT, 'reports', 'mutation')

// `--run <run as JSON> <report path>`: one Stryker run, in a child of the runs below (Stryker does
// not run twice in one process): a part of a split group, or one file of `--only`.
if (process.argv[2] === '--run') {
  await runStryker(JSON.parse(process.argv[3]), process.argv[4])
  process.exit(0)
}

/** Runs `run` in a child process, its JSON report written to `reportPath`; false when it failed. */
function runInChild(run, reportPath) {
  return spawnSync(process.execPath, [import.meta.filename, '--run', JSON.stringify(run), reportPath], { stdio: 'inherit' }).status === 0
}

// `--only <file>...` (after one group's name): mutate only those files of the group, with the
// group's tests, and print each file's score; a quick look while closing gaps, never committed.
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt === -1 ? [] : process.argv.slice(onlyAt + 1)
const asked = process.argv.slice(2, onlyAt === -1 ? undefined : onlyAt)
if (only.length > 0) {
  if (asked.length !== 1 || !(asked[0] in groups)) {
    console.error('--only needs exactly one group before it: npm run mutate -- <group> --only <file>...')
    process.exit(2)
  }
  await runOnly(groups[asked[0]], only)
  process.exit(0)
}
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

/**
 * A group's Stryker runs: one, or one per entry of `parts` (files that need
 * other tests or backends than the rest, such as the doctor's fix-sql.ts,
 * which alone needs the database suite), each part inheriting the group's
 * settings it does not give.
 */
function parts(group) {
  const { parts: split, ...rest } = group
  return split ? split.map((part) => ({ ...rest, ...part })) : [rest]
}

function partReportPath(name, index) {
  // Not under .stryker-tmp, which each run removes.
  return join(tmpdir(), `parley-mutation-${name}.part${index}.json`)
}

async function runStryker(part, reportPath) {
  process.env.TEST_BACKENDS = part.backends
  // Read by vitest.mutate.config.ts; a group may name a test file that a branch has not added yet.
  process.env.PARLEY_MUTATION_TEST_FILES = part.testFiles.filter((file) => existsSync(join(ROOT, file))).join(',')
  await new Stryker({
    ...base,
    mutate: part.mutate,
    ...(part.concurrency && { concurrency: part.concurrency }),
    jsonReporter: { fileName: reportPath },
  }).runMutationTest()
}

/** A narrowed run per file asked: of the group, or of its part that names the file. */
async function runOnly(group, files) {
  const report = join(tmpdir(), 'parley-mutation-only.json')
  const runs = parts(group)
  for (const file of files) {
    const part = runs.length === 1 ? runs[0] : runs.find((run) => run.mutate.includes(file))
    if (!part) {
      console.error(`${file} is not among the group's files`)
      process.exit(2)
    }
    if (!runInChild({ ...part, mutate: [file] }, report)) process.exit(1)
    const result = JSON.parse(readFileSync(report, 'utf8'))
    console.error(`== ${file}: ${(Math.round(score(result) * 100) / 100).toFixed(2)} % (report: ${report})`)
  }
}

/** One report of several parts' reports; the test ids of each part are prefixed with its index, as they repeat. */
function mergeReports(reports) {
  if (reports.length === 1) return reports[0]
  const merged = { ...reports[0], files: {}, testFiles: {} }
  reports.forEach((report, index) => {
    const id = (test) => `${index}-${test}`
    for (const [path, file] of Object.entries(report.files)) {
      merged.files[path] = {
        ...file,
        mutants: file.mutants.map((mutant) => ({
          ...mutant,
          id: id(mutant.id),
          ...(mutant.killedBy && { killedBy: mutant.killedBy.map(id) }),
          ...(mutant.coveredBy && { coveredBy: mutant.coveredBy.map(id) }),
        })),
      }
    }
    for (const [path, file] of Object.entries(report.testFiles ?? {})) {
      const tests = file.tests.map((test) => ({ ...test, id: id(test.id) }))
      merged.testFiles[path] = { ...file, tests: [...(merged.testFiles[path]?.tests ?? []), ...tests] }
    }
  })
  return merged
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
let failed = false
for (const name of names) {
  const group = groups[name]
  const started = Date.now()
  console.error(`\n== mutation group ${name}: ${parts(group).flatMap((part) => part.mutate).join(' ')}`)
  const reportPath = join(REPORTS, `${name}.json`)
  let report
  if (group.parts) {
    const reports = parts(group).map((part, index) => {
      if (!runInChild(part, partReportPath(name, index))) throw new Error(`part ${index} of ${name} failed`)
      return JSON.parse(readFileSync(partReportPath(name, index), 'utf8'))
    })
    report = mergeReports(reports)
    writeFileSync(reportPath, JSON.stringify(report))
  } else {
    await runStryker(group, reportPath)
    report = JSON.parse(readFileSync(reportPath, 'utf8'))
  }
  const minutes = Math.round((Date.now() - started) / 6000) / 10
  const value = Math.round(score(report) * 100) / 100
  // Read again now: another group's run may have written it since this one started.
  const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : {}
  summary[name] = { date: new Date().toISOString().slice(0, 10), score: value, goal: group.goal, minutes }
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`)
  console.error(`== ${name}: ${value} % (goal ${group.goal} %) in ${minutes} min`)
  if (value < group.goal) failed = true
}
process.exit(failed ? 1 : 0)
