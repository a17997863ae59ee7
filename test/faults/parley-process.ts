// `parley serve` (the built bin/parley.js) as a child the fault suite can kill
// and start again on the same port, so that the SDK's base URL stays valid.
import { spawn, type ChildProcess } from 'node:child_process'
import { BIN, ROOT } from '../support/cli.js'

export interface ParleyProcess {
  base: string
  /** The admin key the first start printed. */
  adminKey: string
  /** Stderr of every start so far (for the report when something fails). */
  log(): string
  /** Exits nobody asked for (a crash), with the end of what that process wrote. */
  unexpectedExits(): Array<{ code: number | null; signal: string | null; stderr: string }>
  /** Signals the running server by its pid and resolves with its exit code (null: killed by the signal). */
  signal(name: 'SIGKILL' | 'SIGTERM'): Promise<number | null>
  /** Starts it again on the same port and database. */
  restart(): Promise<void>
  /** SIGTERM if it still runs; resolves once it exited. */
  stop(): Promise<void>
}

interface Running {
  child: ChildProcess
  exited: Promise<number | null>
}

const LISTENS = /Parley listens on (http:\/\/127\.0\.0\.1:\d+)/
const ADMIN_KEY = /pk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/

/** Starts `parley serve --database-url <url> --port <port>`, without rate limits (the load is the test's). */
export async function startParley(databaseUrl: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<ParleyProcess> {
  let log = ''
  let current: Running | undefined
  const unexpected: Array<{ code: number | null; signal: string | null; stderr: string }> = []
  let signalled: ChildProcess | undefined
  const launch = async (): Promise<string> => {
    const child = spawn(process.execPath, [BIN, 'serve', '--database-url', databaseUrl, '--port', String(port)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PARLEY_RATE_LIMIT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let mine = ''
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => {
        if (signalled !== child) unexpected.push({ code, signal, stderr: mine.slice(-1500) })
        resolve(code)
      }),
    )
    current = { child, exited }
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`parley serve did not listen within 90 s; stderr: ${mine}`))
      }, 90_000)
      child.stderr!.on('data', (chunk) => {
        mine += chunk
        log += chunk
        if (LISTENS.test(mine)) {
          clearTimeout(timer)
          resolve(mine)
        }
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`parley serve exited with ${code} before listening; stderr: ${mine}`))
      })
    })
  }
  const first = await launch()
  const adminKey = ADMIN_KEY.exec(first)?.[0]
  if (!adminKey) throw new Error(`no admin key printed on the first start; stderr: ${first}`)
  const signal = async (name: 'SIGKILL' | 'SIGTERM') => {
    const running = current!
    signalled = running.child
    if (running.child.exitCode === null && running.child.signalCode === null) process.kill(running.child.pid!, name)
    return running.exited
  }
  return {
    base: `http://127.0.0.1:${port}`,
    adminKey,
    log: () => log,
    unexpectedExits: () => unexpected,
    signal,
    restart: async () => {
      await launch()
    },
    stop: async () => {
      if (!current) return
      // closeWithGrace gives up after 10 s; past 30 s it hangs, and the suite must not.
      const timer = setTimeout(() => current!.child.kill('SIGKILL'), 30_000)
      await signal('SIGTERM')
      clearTimeout(timer)
    },
  }
}
