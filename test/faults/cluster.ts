// Throwaway PostgreSQL clusters for the fault suite: one template per run
// (initdb and Parley's migrations, once), copied for each scenario, so that a
// scenario owns a whole cluster it may kill, stop, lock or make read-only.
// Every command is asynchronous: the load runs in this process, and a blocked
// event loop would stall the SDK's timers and distort what is measured.
import { execFile } from 'node:child_process'
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { reservePort } from './ports.js'
import { BIN, ROOT } from '../support/cli.js'

const PG_BIN = '/usr/lib/postgresql/15/bin'
const run = promisify(execFile)
const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { timeout: 120_000 })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface FaultCluster {
  port: number
  /** What `parley serve` connects with. */
  url: string
  /** Runs SQL as the superuser on a connection of its own. */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>
  /** A client of its own (for a lock held across statements); the caller ends it. */
  connect(): Promise<pg.Client>
  /** SIGKILL to the postmaster and every backend of this cluster, by pid. */
  kill(): Promise<void>
  /** Starts it (after a kill or a stop); crash recovery runs first when it was killed. */
  start(): Promise<void>
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>
  /** Stops it, whatever its state, and removes its files. */
  destroy(): Promise<void>
}

export interface Template {
  dir: string
  remove(): void
}

/** A cluster with database `parley` migrated to the current schema, stopped, to be copied by `cluster()`. */
export async function template(): Promise<Template> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-faults-template-'))
  chmodSync(dir, 0o777)
  const data = join(dir, 'data')
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
  const port = await reservePort()
  await configure(dir, port)
  await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', 'start'])
  try {
    await asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-q', '-c', 'create database parley'])
    await run(process.execPath, [BIN, 'migrate', '--database-url', `postgres://postgres@127.0.0.1:${port}/parley`], { cwd: ROOT, timeout: 120_000 })
  } finally {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

async function configure(dir: string, port: number): Promise<void> {
  const data = join(dir, 'data')
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n')
  // fsync off: the faults are process kills, which leave the page cache intact.
  writeFileSync(join(data, 'postgresql.auto.conf'), `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\nmax_connections = 60\n`)
  await run('chown', ['-R', 'postgres:postgres', dir])
}

/** A running copy of the template on a port of its own. */
export async function cluster(from: Template): Promise<FaultCluster> {
  const port = await reservePort()
  const dir = mkdtempSync(join(tmpdir(), 'parley-faults-'))
  chmodSync(dir, 0o777)
  const data = join(dir, 'data')
  cpSync(join(from.dir, 'data'), data, { recursive: true })
  rmSync(join(data, 'postmaster.pid'), { force: true })
  await configure(dir, port)
  const superUrl = `postgres://postgres@127.0.0.1:${port}/parley`
  const start = async () => {
    // After a kill the old backends may still be exiting and holding shared memory: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'])
        return
      } catch (error) {
        if (attempt >= 10) throw new Error(`PostgreSQL on ${port} did not start: ${(error as Error).message}\n${readLog(dir)}`)
        await sleep(500)
      }
    }
  }
  await start()
  const connect = async () => {
    const client = new pg.Client({ connectionString: superUrl })
    client.on('error', () => {})
    await client.connect()
    return client
  }
  let destroyed = false
  return {
    port,
    url: superUrl,
    start,
    connect,
    async sql(text, params) {
      const client = await connect()
      try {
        return await client.query(text, params)
      } finally {
        await client.end().catch(() => {})
      }
    },
    async kill() {
      const postmaster = postmasterPid(data)
      if (postmaster === undefined) return
      const backends = childrenOf(postmaster)
      for (const pid of [postmaster, ...backends]) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    },
    async destroy() {
      if (destroyed) return
      destroyed = true
      if (postmasterPid(data) !== undefined) await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'log'), 'utf8').slice(-2000)
  } catch {
    return ''
  }
}

/** The postmaster's pid while it runs (its pid file names it and the process exists). */
function postmasterPid(data: string): number | undefined {
  let pid: number
  try {
    pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
  } catch {
    return undefined
  }
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

/** The processes whose parent is `pid` (PostgreSQL's backends and workers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) children.push(Number(entry))
    } catch {
      // Exited while we looked.
    }
  }
  return children
}
