import { textTable } from '../text-table.js'
import type { Problem, SchemaReport } from './compare.js'

/** The report as `--json` prints it: the database's snake_case names. */
export function reportJson(report: SchemaReport): object {
  return {
    ok: report.ok,
    problems: report.problems,
    pending_migrations: report.pendingMigrations,
  }
}

/**
 * The report for a person, as an engineer would write up a schema audit: a
 * verdict, then each table's problems, then what to run next.
 */
export function reportText(report: SchemaReport, description: string): string {
  const errors = report.problems.filter((problem) => problem.severity === 'error')
  const warnings = report.problems.length - errors.length
  const lines: string[] = []
  if (report.ok) {
    lines.push(`✅ ${description} matches the schema Parley expects${warnings ? ` (${plural(warnings, 'warning')})` : ''}.`)
  } else {
    const needs = [
      countFix(errors, 'data', 'needs a backfill', 'need a backfill'),
      countFix(errors, 'manual', 'needs a person', 'need a person'),
    ].filter(Boolean)
    lines.push(
      `⚠️ ${description} does not match the schema Parley expects: ${plural(errors.length, 'problem')}${needs.length ? ` (${needs.join(', ')})` : ''}.`,
    )
  }
  if (report.problems.length === 0) return `${lines.join('\n')}\n`

  lines.push('', 'What I found:')
  for (const [table, problems] of groupByTable(report.problems)) {
    lines.push('', `${table}`)
    const missing = problems.filter((problem) => problem.kind === 'missing_column')
    if (missing.length > 0) lines.push(`  Missing: ${missing.map((problem) => problem.column).join(', ')}`)
    const rows = problems.map((problem) => [
      problem.severity === 'error' ? problem.kind : `${problem.kind} (warning)`,
      problem.column ?? problem.name ?? '',
      `expected ${problem.expected ?? '—'}`,
      `found ${problem.actual ?? 'nothing'}`,
      `fix: ${problem.fix}`,
    ])
    lines.push(...textTable(rows).map((line) => `  ${line}`))
  }
  if (!report.ok) {
    lines.push(
      '',
      report.pendingMigrations.length > 0
        ? 'Next: run `parley migrate`, or `parley doctor --fix-sql` for a script to review and apply with psql.'
        : 'Next: run `parley doctor --fix-sql` for a script to review and apply with psql.',
    )
  }
  return `${lines.join('\n')}\n`
}

/** One problem in a few words: `missing column conversation_sessions.session_id`. */
export function describeProblem(problem: Problem): string {
  const where = [problem.table, problem.column ?? problem.name].filter(Boolean).join('.')
  return `${problem.kind.replace(/_/g, ' ')} ${where}`.trim()
}

function groupByTable(problems: Problem[]): Map<string, Problem[]> {
  const groups = new Map<string, Problem[]>()
  for (const problem of problems) {
    const key = problem.table ?? 'functions'
    groups.set(key, [...(groups.get(key) ?? []), problem])
  }
  return groups
}

function countFix(problems: Problem[], fix: Problem['fix'], one: string, many: string): string {
  const count = problems.filter((problem) => problem.fix === fix).length
  return count === 0 ? '' : `${count} ${count === 1 ? one : many}`
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}
