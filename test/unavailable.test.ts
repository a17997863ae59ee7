import { describe, expect, it } from 'vitest'
import { UnavailableError, ValidationError } from '../src/errors.js'
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
