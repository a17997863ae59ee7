import { describe, expect, it } from 'vitest'
import { UnavailableError, ValidationError } from '../src/model/errors.js'
import { createTracker } from '../src/tracker/tracker.js'

describe('opening a database that cannot be used', () => {
  it('a refused connection is an UnavailableError that names the server, without the password', async () => {
    const error = await createTracker({ database: 'postgres://postgres:hunter2@127.0.0.1:1/postgres' }).catch((e) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error.code).toBe('DATABASE_UNAVAILABLE')
    expect(error.message).toContain('127.0.0.1:1')
    expect(error.message).not.toContain('hunter2')
  })

  it('an unknown role and an unknown database have their own codes', async () => {
    const role = await createTracker({ database: 'postgres://no_such_role_y@127.0.0.1:5432/postgres' }).catch((e) => e)
    expect(role).toBeInstanceOf(UnavailableError)
    expect(role.code).toBe('DATABASE_AUTH_FAILED')
    const database = await createTracker({ database: 'postgres://postgres@127.0.0.1:5432/no_such_db_y' }).catch((e) => e)
    expect(database).toBeInstanceOf(UnavailableError)
    expect(database.code).toBe('DATABASE_NOT_FOUND')
  })

  it('a URL of another kind is a ValidationError on the database field', async () => {
    const error = await createTracker({ database: 'mysql://localhost/x' }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.field).toBe('database')
  })
})

describe('a database that has been closed', () => {
  it('answers DATABASE_CLOSED in the library and 503 over HTTP', async () => {
    const { openDatabase } = await import('../src/db/open-database.js')
    const { buildApp } = await import('../src/server/app.js')
    const { createApiKey } = await import('../src/tracker/api-keys.js')
    const database = await openDatabase('memory:')
    const tracker = await createTracker({ database })
    const app = await buildApp({ tracker })
    const { key } = await createApiKey(database, { scope: 'admin' })
    const { sessionId } = await tracker.startSession({})
    await app.inject({ method: 'GET', url: `/v1/sessions/${sessionId}`, headers: { authorization: `Bearer ${key}` } })
    await database.close()
    const error = await tracker.getSession(sessionId).catch((e) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error.code).toBe('DATABASE_CLOSED')
    // The key is cached, so the request reaches the closed database.
    const response = await app.inject({ method: 'GET', url: `/v1/sessions/${sessionId}`, headers: { authorization: `Bearer ${key}` } })
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('5')
    expect(response.json().error.code).toBe('DATABASE_CLOSED')
    await app.close()
  })
})
