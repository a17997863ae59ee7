// `parley serve` as a child process: the real binary on a real port.
import { spawn, type ChildProcess } from 'node:child_process'
import type { TestBackend } from './backends.js'
import { BIN, ROOT } from './cli.js'

export interface Served {
  child: ChildProcess
  base: string
  stderr(): string
  stdout(): string
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

/**
 * `parley serve --port 0` (or `port`, to start again where a stopped one
 * listened) on a database; resolves once it says where it listens. `env` is
 * added to the child's; `wrapper` runs it under another command
 * (`['unshare', '-pf', '--mount-proc']`).
 */
export async function serve(
  backend: TestBackend | { name: 'pglite' | 'postgres' },
  url: string,
  env: NodeJS.ProcessEnv = {},
  options: { port?: number; wrapper?: string[] } = {},
): Promise<Served> {
  const args = [BIN, 'serve', '--database-url', url, '--port', String(options.port ?? 0), ...(backend.name === 'postgres' ? ['--migrate'] : [])]
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...args] as [string, ...string[]]
  const child = spawn(command, commandArgs, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no "listens on" line within 60 s; stderr: ${stderr}`))
    }, 60_000)
    child.stderr!.on('data', () => {
      const match = /Parley listens on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stderr)
      if (match && match[2] !== '0') {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`parley serve exited with ${code} before listening; stderr: ${stderr}`))
    })
  })
  return { child, base, exited, stderr: () => stderr, stdout: () => stdout }
}


/** SIGTERM, then the exit code. */
export async function stop(served: Served): Promise<number | null> {
  if (served.child.exitCode === null) served.child.kill('SIGTERM')
  return served.exited
}

/** The admin key the first start prints once on stderr. */
export function firstAdminKey(served: Served): string {
  const printed = /pk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/.exec(served.stderr())
  if (!printed) throw new Error(`no admin key printed; stderr: ${served.stderr()}`)
  return printed[0]
}
