// A throwaway PostgreSQL cluster set up the way Supabase sets one up
// (test/fixtures/supabase/roles-and-grants.sql), and the REST API's way of
// running a statement as an end user: PostgREST logs in as `authenticator`,
// then switches role and sets the JWT's claims for one transaction.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, chownSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { ROOT } from './cli.js'

const run = promisify(execFile)
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
// The port range set aside for throwaway clusters on this machine.
const PORTS = { first: 55400, last: 55499 }
const FIXTURE = readFileSync(join(ROOT, 'test/fixtures/supabase/roles-and-grants.sql'), 'utf8')

export const inCI = process.env.CI === 'true' || process.env.CI === '1'

/** Whether this machine can start a cluster at all (the binaries are there). */
export function canStartCluster(): boolean {
  return existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl'))
}

/** A running Supabase-like cluster. */
export interface SupabaseLike {
  readonly port: number
  /** A connection URL for a role (trust authentication, loopback only). */
  url(role: string, database: string): string
  /** A new database with Supabase's schemas and default privileges, owned by `postgres`. */
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

/** The end user a REST request acts for: `anon` (no sign-in) or a signed-in user's id. */
export type RestUser = 'anon' | { sub: string }

/**
 * Runs statements as PostgREST does for one request: logged in as
 * `authenticator`, `set_config('role', …, true)` and the JWT's claims in
 * `request.jwt.claims`, inside one transaction. Rolls back on error and rethrows.
 */
export async function asRestUser<T>(
  url: string,
  user: RestUser | 'service_role',
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const role = user === 'anon' || user === 'service_role' ? user : 'authenticated'
    const claims = typeof user === 'object' ? { sub: user.sub, role } : { role }
    await client.query('begin')
    await client.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [role, JSON.stringify(claims)])
    try {
      const result = await fn(client)
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => {})
      throw error
    }
  } finally {
    await client.end()
  }
}

/** initdb's a cluster on a free port in the range, applies the fixture, and starts it. */
export async function startSupabaseLike(): Promise<SupabaseLike> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-supabase-'))
  const data = join(dir, 'data')
  const asPostgres = process.getuid?.() === 0
  if (asPostgres) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const pgTool = (tool: string, args: string[]) =>
    asPostgres ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]) : run(join(BIN, tool), args)

  await pgTool('initdb', ['-D', data, '-U', 'supabase_admin', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  await pgTool('pg_ctl', [
    '-D', data, '-w', '-l', join(dir, 'log'), 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`,
  ])
  const url = (role: string, database: string) => `postgres://${role}@127.0.0.1:${port}/${database}`
  const stop = async () => {
    await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const admin = new pg.Client({ connectionString: url('supabase_admin', 'postgres') })
    await admin.connect()
    try {
      await admin.query(FIXTURE)
    } finally {
      await admin.end()
    }
  } catch (error) {
    await stop()
    throw error
  }
  let count = 0
  return {
    port,
    url,
    async createDatabase() {
      const name = `parley_supa_${process.pid}_${++count}`
      const admin = new pg.Client({ connectionString: url('supabase_admin', 'template1') })
      await admin.connect()
      try {
        // Default privileges and the auth schema are per database: copy them.
        await admin.query(`create database ${name} template postgres owner postgres`)
      } finally {
        await admin.end()
      }
      return name
    },
    stop,
  }
}

async function freePort(): Promise<number> {
  const span = PORTS.last - PORTS.first + 1
  const start = Math.floor(Math.random() * span)
  for (let i = 0; i < span; i++) {
    const port = PORTS.first + ((start + i) % span)
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error(`no free port in ${PORTS.first}-${PORTS.last} for a throwaway cluster`)
}
