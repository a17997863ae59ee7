// Runs a suite once per backend: in-memory PGlite always, the real PostgreSQL
// when reachable, and always in CI (where an unreachable server fails the run).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { openDatabase } from '../../src/db/open-database.js'
import { migrate } from '../../src/migrations/migrator.js'

export type BackendName = 'pglite' | 'postgres'

/** The server the PostgreSQL suites use; each suite gets databases of its own on it. */
export const ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const requested = (process.env.TEST_BACKENDS ?? 'pglite,postgres').split(',').map((name) => name.trim())
const inCI = process.env.CI === 'true' || process.env.CI === '1'

export interface TestBackend {
  name: BackendName
  /** A new database with no tables, and the URL that opens it. Closed and dropped after the suite. */
  emptyDatabase(): Promise<{ database: Database; url: string }>
  /** A new database with every migration applied. */
  migratedDatabase(): Promise<Database>
  /** A URL to a new, empty database for a child process (a temp folder for PGlite). */
  freshUrl(): Promise<string>
}

let postgresReachable: Promise<boolean> | undefined

async function checkPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** `describe` once per backend under test. */
export function describeEachBackend(title: string, suite: (backend: TestBackend) => void): void {
  for (const name of ['pglite', 'postgres'] as const) {
    if (!requested.includes(name)) continue
    if (name === 'pglite') {
      describe(`${title} [pglite]`, () => suite(pgliteBackend()))
      continue
    }
    describe(`${title} [postgres]`, () => {
      const backend = postgresBackend()
      beforeAll(async () => {
        postgresReachable ??= checkPostgres()
        if (!(await postgresReachable)) {
          const message = `PostgreSQL is not reachable at ${ADMIN_URL}`
          if (inCI) throw new Error(`${message}; CI must run the PostgreSQL suites`)
          console.warn(`${message}: set TEST_DATABASE_URL, or TEST_BACKENDS=pglite to run only the embedded suites`)
          throw new Error(message)
        }
      })
      suite(backend)
    })
  }
}

function tracked() {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  })
  return cleanups
}

function pgliteBackend(): TestBackend {
  const cleanups = tracked()
  const open = async (url: string) => {
    const database = await openDatabase(url)
    cleanups.push(() => database.close())
    return database
  }
  return {
    name: 'pglite',
    async emptyDatabase() {
      return { database: await open('memory:'), url: 'memory:' }
    },
    async migratedDatabase() {
      const database = await open('memory:')
      await migrate(database)
      return database
    },
    async freshUrl() {
      const { mkdtemp, rm } = await import('node:fs/promises')
      const { tmpdir } = await import('node:os')
      const { join } = await import('node:path')
      const dir = await mkdtemp(join(tmpdir(), 'parley-test-'))
      cleanups.push(() => rm(dir, { recursive: true, force: true }))
      return `pglite:${join(dir, 'db')}`
    },
  }
}

function postgresBackend(): TestBackend {
  const cleanups = tracked()
  const freshUrl = async () => {
    const name = `parley_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    await admin.connect()
    try {
      await admin.query(`create database ${name}`)
    } finally {
      await admin.end()
    }
    cleanups.push(async () => {
      const dropper = new pg.Client({ connectionString: ADMIN_URL })
      await dropper.connect()
      try {
        await dropper.query(`drop database if exists ${name} with (force)`)
      } finally {
        await dropper.end()
      }
    })
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    return url.toString()
  }
  const emptyDatabase = async () => {
    const url = await freshUrl()
    const database = await openDatabase(url)
    cleanups.push(() => database.close())
    return { database, url }
  }
  return {
    name: 'postgres',
    emptyDatabase,
    async migratedDatabase() {
      const { database } = await emptyDatabase()
      await migrate(database)
      return database
    },
    freshUrl,
  }
}
