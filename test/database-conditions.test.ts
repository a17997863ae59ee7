import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { translateError, UNAVAILABLE_CONDITIONS } from '../src/db/translate-error.js'
import { UnavailableError } from '../src/model/errors.js'
import { buildApp } from '../src/server/app.js'
import { wireError } from '../src/server/wire-error.js'
import { createApiKey } from '../src/tracker/api-keys.js'
import { createTracker } from '../src/tracker/tracker.js'
import { ADMIN_URL, describeEachBackend } from './support/backends.js'

const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {}, fatal() {}, child: () => silent } as never

describe('database conditions that are nobody’s fault in the request', () => {
  const expected: Record<string, string> = {
    '25006': 'DATABASE_READ_ONLY',
    '53100': 'DATABASE_DISK_FULL',
    '53300': 'DATABASE_TOO_MANY_CONNECTIONS',
    '57P01': 'DATABASE_UNAVAILABLE',
    '55P03': 'DATABASE_LOCK_TIMEOUT',
    '57014': 'DATABASE_TIMEOUT',
    '40P01': 'DATABASE_CONFLICT_RETRY',
    '08006': 'DATABASE_UNAVAILABLE',
  }
  for (const [sqlstate, code] of Object.entries(expected)) {
    it(`SQLSTATE ${sqlstate} is an UnavailableError ${code}, a 503 with Retry-After`, () => {
      const error = translateError(Object.assign(new Error('from the driver'), { code: sqlstate }), 'the test database')
      expect(error).toBeInstanceOf(UnavailableError)
      expect((error as UnavailableError).code).toBe(code)
      const wire = wireError(error, silent)
      expect(wire.status).toBe(503)
      expect(wire.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      expect(wire.details.retry_after_seconds).toBe(wire.retryAfterSeconds)
    })
  }

  it('every listed condition has a Retry-After of its own', () => {
    for (const condition of Object.values(UNAVAILABLE_CONDITIONS)) expect(condition.retryAfterSeconds).toBeGreaterThan(0)
  })

  it('a connection lost under a query (pg gives it no code) is DATABASE_UNAVAILABLE', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Client has encountered a connection error and is not queryable',
      'Client was closed and is not queryable',
    ]) {
      const error = translateError(new Error(message), 'the test database')
      expect(error, message).toBeInstanceOf(UnavailableError)
      expect((error as UnavailableError).code).toBe('DATABASE_UNAVAILABLE')
    }
  })
})

describeEachBackend('real database conditions', (backend) => {
  // Roles, other connections and read-only settings need a PostgreSQL server; PGlite has one connection,
  // and what it can meet is its own closing.
  if (backend.name !== 'postgres') {
    it('a closed embedded database is DATABASE_CLOSED: UnavailableError, retryable', async () => {
      const database = await backend.migratedDatabase()
      await database.close()
      await expect(database.query('select 1')).rejects.toMatchObject({ code: 'DATABASE_CLOSED', constructor: UnavailableError })
    })
    return
  }

  it('a read-only database (default_transaction_read_only) is DATABASE_READ_ONLY: UnavailableError, and 503 with Retry-After over HTTP', async () => {
    const url = await backend.freshUrl()
    const name = new URL(url).pathname.slice(1)
    const setup = await createTracker({ database: url, migrate: true })
    const { key } = await createApiKey(setup.database, { scope: 'admin' })
    const { sessionId } = await setup.startSession({})
    await setup.close()
    await adminQuery(`alter database ${name} set default_transaction_read_only = on`)

    const tracker = await createTracker({ database: url, lockTimeoutMs: 1000 })
    const app = await buildApp({ tracker })
    try {
      const error = await tracker.addMessage({ sessionId, role: 'user', content: 'hello' }).catch((e) => e)
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error.code).toBe('DATABASE_READ_ONLY')
      const response = await app.inject({
        method: 'POST',
        url: `/v1/sessions/${sessionId}/messages`,
        headers: { authorization: `Bearer ${key}` },
        payload: { role: 'user', content: 'hello' },
      })
      expect(response.statusCode, response.body).toBe(503)
      expect(response.headers['retry-after']).toBe('5')
      expect(response.json().error.code).toBe('DATABASE_READ_ONLY')
      // Reads go on.
      expect((await tracker.getSession(sessionId)).sessionId).toBe(sessionId)
      // Writes failing for longer than a lock wait may last: the server is not ready.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json().status).toBe('writes_failing')
    } finally {
      await app.close()
      await tracker.close()
      await adminQuery(`alter database ${name} reset default_transaction_read_only`)
    }
  })

  it('too many connections for the role (53300) is DATABASE_TOO_MANY_CONNECTIONS', async () => {
    const url = new URL(await backend.freshUrl())
    const role = `parley_full_${randomBytes(4).toString('hex')}`
    await adminQuery(`create role ${role} login connection limit 0`)
    try {
      url.username = role
      const error = await createTracker({ database: url.toString() }).catch((e) => e)
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error.code).toBe('DATABASE_TOO_MANY_CONNECTIONS')
    } finally {
      await adminQuery(`drop role ${role}`)
    }
  })

  it('a connection terminated by an administrator under a query (57P01) is an UnavailableError, and the next query works', async () => {
    const url = await backend.freshUrl()
    const tracker = await createTracker({ database: url, migrate: true })
    try {
      const running = tracker.database.query(`select pg_sleep(5) /* parley-terminate-me */`).catch((e) => e)
      const name = new URL(url).pathname.slice(1)
      for (let attempt = 0; attempt < 50; attempt++) {
        const { rowCount } = await adminQuery(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and query like '%parley-terminate-me%' and pid <> pg_backend_pid()`,
        )
        if (rowCount) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const error = await running
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error.code).toBe('DATABASE_UNAVAILABLE')
      expect((await tracker.startSession({})).sessionId).toBeDefined()
    } finally {
      await tracker.close()
    }
  })
})

async function adminQuery(sql: string) {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    return await admin.query(sql)
  } finally {
    await admin.end()
  }
}
