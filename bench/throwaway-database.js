// A PostgreSQL database that exists for one benchmark run: created on the
// given server, dropped afterwards, also on Ctrl-C.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

let dropPending
let wasInterrupted = false

process.once('SIGINT', () => {
  wasInterrupted = true
  process.stderr.write('interrupted: dropping the benchmark database\n')
  const drop = dropPending ?? (async () => {})
  drop().finally(() => process.exit(130))
})

/** Whether Ctrl-C stopped the run (its errors are then expected). */
export function interrupted() {
  return wasInterrupted
}

async function withAdmin(adminUrl, fn) {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

export function serverVersion(adminUrl) {
  return withAdmin(adminUrl, async (admin) => (await admin.query('show server_version')).rows[0].server_version)
}

/** Runs `fn(url)` on a new database `parley_bench_<random>`, then drops it. */
export async function withPostgresDatabase(adminUrl, fn) {
  const name = `parley_bench_${randomBytes(6).toString('hex')}`
  await withAdmin(adminUrl, (admin) => admin.query(`create database ${name}`))
  const drop = () => withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`))
  dropPending = drop
  try {
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return await fn(url.toString())
  } finally {
    dropPending = undefined
    await drop()
  }
}
