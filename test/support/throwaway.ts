// Throwaway PostgreSQL clusters and PgBouncers for the deployment tests: real
// servers on loopback ports 55500-55599, owned by the `postgres` OS user,
// started by the test and stopped by it. Under CI=true a missing binary is a
// failure, never a skip.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PG_BIN = '/usr/lib/postgresql/15/bin'
export const PGBOUNCER = '/usr/sbin/pgbouncer'
const inCI = process.env.CI === 'true' || process.env.CI === '1'

/** Why these tests cannot run here, or undefined when they can. Throws in CI instead. */
export function missingTools(): string | undefined {
  const missing = [join(PG_BIN, 'initdb'), PGBOUNCER, '/usr/bin/openssl'].filter((path) => !existsSync(path))
  const why = missing.length > 0 ? `missing ${missing.join(', ')} (apt-get install -y pgbouncer postgresql-15)` : undefined
  if (why && inCI) throw new Error(`${why}: CI must run the deployment tests`)
  return why
}

/** A free loopback port in 55500-55599 (the range these tests may use), or in the range given. */
export async function freePort(range: { first: number; count: number } = { first: 55500, count: 100 }): Promise<number> {
  const last = range.first + range.count - 1
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = range.first + Math.floor(Math.random() * range.count)
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error(`no free port in ${range.first}-${last}`)
}

const asPostgres = (command: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe', timeout: 60_000 })

export interface Cluster {
  port: number
  dir: string
  stop(): void
}

/**
 * A cluster of its own: SCRAM passwords for every TCP login (user `parley`,
 * password `secret`, database `parley`), and with `tlsOnly` a server
 * certificate and `hostssl` lines only, so a plaintext login is refused.
 */
export async function startCluster(options: { tlsOnly?: boolean } = {}): Promise<Cluster> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'))
  chmodSync(dir, 0o777)
  const data = join(dir, 'data')
  const pwfile = join(dir, 'pw')
  writeFileSync(pwfile, 'secret\n')
  chmodSync(pwfile, 0o644)
  asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8'])
  const kind = options.tlsOnly ? 'hostssl' : 'host'
  writeFileSync(
    join(data, 'pg_hba.conf'),
    `local all all trust\n${kind} all all 127.0.0.1/32 scram-sha-256\n${kind} all all ::1/128 scram-sha-256\n`,
  )
  let conf = `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\n`
  if (options.tlsOnly) {
    execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt')], { stdio: 'pipe' })
    chmodSync(join(data, 'server.key'), 0o600)
    conf += `ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n`
  }
  writeFileSync(join(data, 'postgresql.auto.conf'), conf)
  execFileSync('chown', ['-R', 'postgres:postgres', data])
  asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', 'start'])
  const stop = () => {
    try {
      asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  try {
    asPostgres(join(PG_BIN, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-q', '-c', "create role parley login password 'secret'", '-c', 'create database parley owner parley'])
  } catch (error) {
    stop()
    throw error
  }
  return { port, dir, stop }
}

export interface Bouncer {
  port: number
  /** Stops PgBouncer and resolves once it has exited. */
  stop(): Promise<void>
}

/**
 * PgBouncer in front of `127.0.0.1:<targetPort>` (trust logins, as the shared
 * test server has), `pool_mode = transaction` or `session`, one server
 * connection per pool so that every client of it shares the same backend.
 */
export async function startPgBouncer(targetPort: number, mode: 'transaction' | 'session', poolSize = 1): Promise<Bouncer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'parley-bouncer-'))
  chmodSync(dir, 0o777)
  const ini = join(dir, 'pgbouncer.ini')
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${targetPort} user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = any',
      `pool_mode = ${mode}`,
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn('runuser', ['-u', 'postgres', '--', PGBOUNCER, ini], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (let attempt = 0; ; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(true))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)))
    })
    if (up) break
    if (attempt > 50 || child.exitCode !== null) throw new Error(`pgbouncer did not start on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    port,
    async stop() {
      // runuser forwards SIGTERM to pgbouncer.
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
