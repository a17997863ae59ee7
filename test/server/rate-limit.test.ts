import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rateLimitFromEnv } from '../../src/cli/commands/serve.js'
import { ValidationError } from '../../src/model/errors.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp, type AppOptions } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'

describeEachBackend('rate limiting', (backend) => {
  let tracker: Tracker
  let keyA: string
  let keyB: string
  const apps: FastifyInstance[] = []

  beforeAll(async () => {
    const database = await backend.migratedDatabase()
    tracker = await createTracker({ database })
    keyA = (await createApiKey(database, { scope: 'admin' })).key
    keyB = (await createApiKey(database, { scope: 'read' })).key
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    await tracker?.close()
  })

  const appWith = async (rateLimit: AppOptions['rateLimit']) => {
    const app = await buildApp({ tracker, ...(rateLimit !== undefined && { rateLimit }) })
    apps.push(app)
    return app
  }
  const get = (app: FastifyInstance, url: string, key?: string, extra: Partial<InjectOptions> = {}) =>
    app.inject({ method: 'GET', url, ...(key && { headers: { authorization: `Bearer ${key}` } }), ...extra })

  it('over the limit a key gets 429 RATE_LIMITED with Retry-After, while another key is still served', async () => {
    const app = await appWith({ max: 3, timeWindowMs: 60_000 })
    for (let index = 0; index < 3; index++) expect((await get(app, '/v1/sessions', keyA)).statusCode).toBe(200)
    const limited = await get(app, '/v1/sessions', keyA)
    expect(limited.statusCode).toBe(429)
    const retryAfter = Number(limited.headers['retry-after'])
    expect(Number.isInteger(retryAfter)).toBe(true)
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(limited.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retry_after_seconds: retryAfter } },
    })
    // Every route shares the key's budget.
    expect((await get(app, '/v1/sessions?limit=1', keyA)).statusCode).toBe(429)
    const other = await get(app, '/v1/sessions', keyB)
    expect(other.statusCode).toBe(200)
    expect(other.headers['x-ratelimit-remaining']).toBe('2')
  })

  it('does not count a bad key against a good one, and answers it 401 first', async () => {
    const app = await appWith({ max: 1, timeWindowMs: 60_000 })
    for (let index = 0; index < 3; index++) expect((await get(app, '/v1/sessions', 'pk_00000000_nope')).statusCode).toBe(401)
    expect((await get(app, '/v1/sessions', keyA)).statusCode).toBe(200)
  })

  it('limits requests without a key per IP', async () => {
    const app = await appWith({ max: 2, timeWindowMs: 60_000 })
    const from = (remoteAddress: string) => get(app, '/openapi.json', undefined, { remoteAddress })
    expect((await from('10.0.0.1')).statusCode).toBe(200)
    expect((await from('10.0.0.1')).statusCode).toBe(200)
    const limited = await from('10.0.0.1')
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('RATE_LIMITED')
    expect((await from('10.0.0.2')).statusCode).toBe(200)
  })

  it('never limits /healthz, /readyz and /metrics', async () => {
    const app = await appWith({ max: 1, timeWindowMs: 60_000 })
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      for (let index = 0; index < 4; index++) expect((await get(app, url)).statusCode, url).toBe(200)
    }
    // The same IP's budget is untouched by them.
    expect((await get(app, '/openapi.json')).statusCode).toBe(200)
    expect((await get(app, '/openapi.json')).statusCode).toBe(429)
  })

  it('serves a key again once its window has passed', async () => {
    // Long enough that two requests in a row fall in one window on a loaded machine.
    const app = await appWith({ max: 1, timeWindowMs: 1500 })
    expect((await get(app, '/v1/sessions', keyA)).statusCode).toBe(200)
    expect((await get(app, '/v1/sessions', keyA)).statusCode).toBe(429)
    await new Promise((resolve) => setTimeout(resolve, 1600))
    expect((await get(app, '/v1/sessions', keyA)).statusCode).toBe(200)
  })

  it('is on by default with a generous limit, and off with rateLimit: false', async () => {
    const byDefault = await appWith(undefined)
    expect((await get(byDefault, '/v1/sessions', keyA)).headers['x-ratelimit-limit']).toBe('6000')
    const off = await appWith(false)
    for (let index = 0; index < 10; index++) {
      const response = await get(off, '/v1/sessions', keyA)
      expect(response.statusCode).toBe(200)
      expect(response.headers['x-ratelimit-limit']).toBeUndefined()
    }
  })
})

describe('PARLEY_RATE_LIMIT', () => {
  it('is requests per minute; 0 turns limiting off; unset keeps the default', () => {
    expect(rateLimitFromEnv('120')).toEqual({ rateLimit: { max: 120, timeWindowMs: 60_000 } })
    expect(rateLimitFromEnv('0')).toEqual({ rateLimit: false })
    expect(rateLimitFromEnv(undefined)).toEqual({})
    expect(rateLimitFromEnv('')).toEqual({})
  })

  it('refuses anything but a whole number, naming the variable', () => {
    for (const text of ['abc', '-5', '1.5', '10/s']) {
      const error = (() => {
        try {
          rateLimitFromEnv(text)
        } catch (caught) {
          return caught
        }
      })()
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe('PARLEY_RATE_LIMIT')
    }
  })
})
