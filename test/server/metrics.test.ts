import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createMetrics } from '../../src/server/plugins/metrics.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'

/** The value of one sample in Prometheus text, matched by name and exactly these labels; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]))
    const wanted = Object.entries(labels)
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3])
  }
  return undefined
}

const MESSAGES_ROUTE = '/v1/sessions/:session_id/messages'

describeEachBackend('GET /metrics', (backend) => {
  let database: Database
  let tracker: Tracker
  let app: FastifyInstance
  let key: string
  let sessionId: string
  const others: Array<{ close(): Promise<unknown> }> = []

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    const metrics = createMetrics()
    tracker = await createTracker({ database, onBatch: metrics.onBatch })
    app = await buildApp({ tracker, metrics })
    key = (await createApiKey(database, { scope: 'admin' })).key

    // 3 single messages and one batch of 5, then the batch again (a retry: nothing new).
    const started = await post('/v1/sessions', {})
    expect(started.statusCode).toBe(201)
    sessionId = started.json().session_id
    for (const content of ['one', 'two', 'three']) {
      expect((await post(`/v1/sessions/${sessionId}/messages`, { role: 'user', content })).statusCode).toBe(201)
    }
    const batch = { messages: Array.from({ length: 5 }, (_, index) => ({ id: randomUUID(), role: 'assistant', content: `part ${index}` })) }
    expect((await post(`/v1/sessions/${sessionId}/messages`, batch)).statusCode).toBe(201)
    expect((await post(`/v1/sessions/${sessionId}/messages`, batch)).statusCode).toBe(201)
  })
  afterAll(async () => {
    for (const other of others) await other.close()
    await app?.close()
    await tracker?.close()
  })

  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload })
  const scrape = async (target = app) => {
    const response = await target.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    return response.body
  }

  it('is served without a key, in the Prometheus text format', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(response.body).toContain('# TYPE parley_http_requests_total counter')
    expect(response.body).toContain('# TYPE parley_write_batch_rows histogram')
  })

  it('counts messages written: new rows only, not retried ids', async () => {
    expect(sample(await scrape(), 'parley_messages_written_total')).toBe(8)
  })

  it('records the size of every group-commit batch', async () => {
    const text = await scrape()
    // Requests were sequential, so each POST was one batch: 1 + 1 + 1 + 5 + 5 rows.
    expect(sample(text, 'parley_write_batch_rows_count')).toBe(5)
    expect(sample(text, 'parley_write_batch_rows_sum')).toBe(13)
    expect(sample(text, 'parley_write_batch_rows_bucket', { le: '1' })).toBe(3)
    expect(sample(text, 'parley_write_batch_rows_bucket', { le: '5' })).toBe(5)
  })

  it('counts requests by method, route pattern and status, never by raw URL', async () => {
    await app.inject({ method: 'GET', url: `/v1/sessions/${sessionId}` }) // no key: 401
    await app.inject({ method: 'GET', url: '/no/such/route' })
    const text = await scrape()
    const labels = { method: 'POST', route: MESSAGES_ROUTE, status: '201' }
    expect(sample(text, 'parley_http_requests_total', labels)).toBe(5)
    expect(sample(text, 'parley_http_requests_total', { method: 'POST', route: '/v1/sessions', status: '201' })).toBe(1)
    expect(sample(text, 'parley_http_requests_total', { method: 'GET', route: '/v1/sessions/:session_id', status: '401' })).toBe(1)
    expect(sample(text, 'parley_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1)
    expect(text).not.toContain(sessionId)
    expect(text).not.toContain('/no/such/route')
    expect(sample(text, 'parley_http_request_duration_seconds_count', labels)).toBe(5)
    expect(sample(text, 'parley_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0)
    expect(sample(text, 'parley_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(5)
  })

  it('reports database pool use', async () => {
    if (backend.name === 'pglite') {
      const text = await scrape()
      expect(sample(text, 'parley_db_pool_connections', { state: 'total' })).toBe(1)
      expect(sample(text, 'parley_db_pool_connections', { state: 'idle' })).toBeUndefined()
      expect(sample(text, 'parley_db_pool_waiting_clients')).toBe(0)
      return
    }
    // Hold three connections in open transactions while scraping.
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const held = Array.from({ length: 3 }, () => database.transaction(() => gate))
    try {
      await expect.poll(() => database.poolStats?.().total ?? 0).toBeGreaterThanOrEqual(3)
      const text = await scrape()
      const total = sample(text, 'parley_db_pool_connections', { state: 'total' })!
      expect(total).toBeGreaterThanOrEqual(3)
      expect(sample(text, 'parley_db_pool_connections', { state: 'idle' })).toBeLessThanOrEqual(total - 3)
      expect(sample(text, 'parley_db_pool_waiting_clients')).toBe(0)
    } finally {
      release()
      await Promise.all(held)
    }
  })

  it('keeps each app’s metrics apart (no global registry)', async () => {
    const metrics = createMetrics()
    const second = await buildApp({ tracker, metrics })
    others.push(second)
    await second.inject({ method: 'GET', url: '/healthz' })
    const text = await scrape(second)
    expect(sample(text, 'parley_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1)
    expect(sample(text, 'parley_http_requests_total', { method: 'POST', route: MESSAGES_ROUTE, status: '201' })).toBeUndefined()
    expect(sample(await scrape(), 'parley_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBeUndefined()
  })

  it('a batch observer that throws does not fail the write it reports', async () => {
    const throwing = await createTracker({
      database,
      onBatch: () => {
        throw new Error('observer failed')
      },
    })
    others.push(throwing)
    const message = await throwing.addMessage({ sessionId, role: 'user', content: 'still stored' })
    expect((await tracker.listMessages(sessionId)).map((stored) => stored.id)).toContain(message.id)
  })
})
