import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { expect } from 'vitest'
import type { CliContext } from '../../src/cli/cli-context.js'

export const ROOT = join(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'parley.js')

/** A CLI context whose output the test reads. */
export function captureContext(env: NodeJS.ProcessEnv = {}): CliContext & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  return {
    env,
    stdout: sink((text) => (out += text)),
    stderr: sink((text) => (err += text)),
    out: () => out,
    err: () => err,
  }
}

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real `parley` binary (built into dist/ by `npm test`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build')
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Builds dist/ for the real binary when a source file is newer than the build. */
export function buildDistIfStale(): void {
  const built = join(ROOT, 'dist/cli/main.js')
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    )
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(ROOT, 'src'))) return
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    })
  } catch (error) {
    // Type errors elsewhere still emit; only a missing build stops these tests.
    if (!existsSync(built)) throw error
  }
}

/**
 * The demo's last line: its call is dated 45.2 s back and ends when the demo
 * does, so the duration is 45.2 s plus however long playing took (at most `tookSeconds`).
 */
export function expectDemoEnded(line: string | undefined, tookSeconds: number): void {
  const ended = /^✅ Ended session [0-9a-f]{8}\.\.\. \(duration: (\d+\.\d)s, messages: 8\)$/.exec(line ?? '')
  expect(ended, line).not.toBeNull()
  expect(Number(ended![1])).toBeGreaterThanOrEqual(45.1)
  expect(Number(ended![1])).toBeLessThanOrEqual(45.3 + tookSeconds)
}
