// One app per suite on a backend's migrated database, keys of every kind, and
// the checks every HTTP test makes on a response.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, expect } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import type { TestBackend } from '../support/backends.js'
export { buildDistIfStale } from '../support/cli.js'

export { uuidv4, uuidv7 }

export interface Keys {
  admin: string
  ingest: string
  read: string
  /** Bound to `user`: ingest and read. */
  userIngest: string
  userRead: string
}

export interface ServerFixture {
  database: Database
  tracker: Tracker
  app: FastifyInstance
  keys: Keys
  /** The user the bound keys belong to. */
  user: string
  /** A request to the suite's app; `body` is sent as JSON. */
  call(method: string, url: string, options?: CallOptions): Promise<Response>
}

export interface CallOptions {
  key?: string | null
  body?: unknown
  headers?: Record<string, string>
  app?: FastifyInstance
}

export type Response = LightMyRequestResponse & { body: string; data: any }

/** Builds the suite's app in beforeAll (one database per suite: PGlite boots slowly) and closes it after. */
export function serverFixture(backend: TestBackend): ServerFixture {
  const fixture = { user: uuidv4() } as ServerFixture
  beforeAll(async () => {
    fixture.database = await backend.migratedDatabase()
    fixture.tracker = await createTracker({ database: fixture.database })
    fixture.app = await buildApp({ tracker: fixture.tracker })
    const make = async (scope: string, userId?: string) => (await createApiKey(fixture.database, { scope, ...(userId && { userId }) })).key
    fixture.keys = {
      admin: await make('admin'),
      ingest: await make('ingest'),
      read: await make('read'),
      userIngest: await make('ingest', fixture.user),
      userRead: await make('read', fixture.user),
    }
    fixture.call = (method, url, options = {}) => call(options.app ?? fixture.app, method, url, { key: fixture.keys.admin, ...options })
  })
  afterAll(async () => {
    await fixture.app?.close()
    await fixture.tracker?.close()
  })
  return fixture
}

export async function call(app: FastifyInstance, method: string, url: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key) headers.authorization = `Bearer ${options.key}`
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(options.body !== undefined && { payload: options.body as object }),
  })
  let data: unknown
  try {
    data = response.json()
  } catch {
    data = undefined
  }
  return Object.assign(response, { data })
}

/**
 * The one error shape: `{"error": {"code", "message", "details"}}` and nothing
 * else, as JSON, without a stack trace. Returns the error for further checks.
 */
export function expectError(
  response: Response,
  status: number,
  code: string,
  details?: Record<string, unknown>,
): { code: string; message: string; details: Record<string, unknown> } {
  const label = `${response.statusCode} ${response.body}`
  expect(response.statusCode, label).toBe(status)
  expect(response.headers['content-type'], label).toMatch(/^application\/json/)
  expect(Object.keys(response.data), label).toEqual(['error'])
  expect(Object.keys(response.data.error).sort(), label).toEqual(['code', 'details', 'message'])
  expect(response.data.error.code, label).toBe(code)
  expect(response.data.error.message, label).toEqual(expect.any(String))
  expect(response.data.error.message.length, label).toBeGreaterThan(0)
  expect(response.body, label).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/)
  if (details) expect(response.data.error.details, label).toEqual(details)
  return response.data.error
}

/** 400 naming the field, in the message too. */
export function expectFieldError(response: Response, field: string, where?: 'body' | 'params' | 'querystring'): string {
  const error = expectError(response, 400, 'VALIDATION_FAILED', { field, reason: expect.any(String), ...(where && { in: where }) })
  // The reason travels as its own field: nobody has to parse it out of the message.
  expect(error.message, error.message).toBe(`${field}: ${error.details.reason as string}`)
  return error.message
}

