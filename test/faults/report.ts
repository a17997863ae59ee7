// The figures as a table for a person and as JSON for the repository, with
// what they were measured on.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname } from 'node:path'
import { ROOT } from '../support/cli.js'
import type { Figures } from './figures.js'

const COLUMNS = ['attempted', 'acknowledged', 'stored', 'lost', 'duplicated', 'indeterminate', 'indeterminate_stored', 'resent', 'server_errors', 'hung', 'recovery_ms'] as const

const short = (name: string) =>
  name.replace('indeterminate_stored', 'indet_stored').replace('indeterminate', 'indet').replace('acknowledged', 'acked').replace('server_errors', '5xx≠503')

/** One line per scenario with Jepsen's counts, then the rejections by code. */
export function table(results: Figures[]): string {
  const header = ['scenario', ...COLUMNS.map(short), 'rejected by code']
  const rows = results.map((result) => [
    result.scenario,
    ...COLUMNS.map((column) => (result[column] === null ? '-' : String(result[column]))),
    Object.entries(result.rejected)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ') || '-',
  ])
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)))
  const line = (cells: string[]) => cells.map((cell, index) => (index === 0 || index === cells.length - 1 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function postgresVersion(): string {
  try {
    return execFileSync('/usr/lib/postgresql/15/bin/postgres', ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

/** Writes `{date, commit, mode, machine, scenarios}` to `path`. */
export function writeResults(path: string, mode: 'full' | 'short', results: Figures[], minutes: number): void {
  const machine = {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    load_average_at_end: os.loadavg().map((load) => Math.round(load * 100) / 100),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion(),
  }
  const commit = git(['rev-parse', 'HEAD'])
  const dirty = git(['status', '--porcelain', '--', 'src', 'bin', 'migrations', 'test/faults']) !== ''
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), commit, uncommitted_changes: dirty, mode, minutes, machine, scenarios: results }, null, 2)}\n`)
}
