// GET /v1/stats: exact figures over a seeded set of sessions (UTC days and hours).
import { beforeAll, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import type { Role } from '../../src/model/types.js'
import { describeEachBackend } from '../support/backends.js'
import { plusSeconds, seedSession } from './dashboard-seed.js'
import { expectError, expectFieldError, serverFixture, uuidv4 } from './support.js'

const turns = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ role: (index % 2 ? 'assistant' : 'user') as Role, content: `turn ${index + 1}` }))

const noBuckets = [15, 30, 60, 120, 300, 600, 1800, 3600, null].map((le) => ({ le_seconds: le, count: 0 }))
const hoursWith = (counts: Record<number, number>) => Array.from({ length: 24 }, (_, hour) => ({ hour, count: counts[hour] ?? 0 }))

describeEachBackend('stats', (backend) => {
  const server = serverFixture(backend)
  let baseUrl: string
  const user = uuidv4()

  // Durations 10, 40, 100, 700 s; messages 2, 4, 6, 0 and 3 (the running one).
  beforeAll(async () => {
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' })
    const seed = (startedAt: string, seconds: number | null, messages: number) =>
      seedSession(server.tracker, {
        userId: user,
        startedAt,
        ...(seconds !== null && { endedAt: plusSeconds(startedAt, seconds) }),
        turns: turns(messages),
      })
    await seed('2026-05-01T08:10:00.000Z', 10, 2)
    await seed('2026-05-01T08:50:00.000Z', 40, 4)
    await seed('2026-05-03T14:00:00.000Z', 100, 6)
    await seed('2026-05-03T23:59:59.000Z', 700, 0)
    await seed('2026-05-04T14:30:00.000Z', null, 3)
  })

  const stats = async (query: Record<string, string>, key = server.keys.read) => {
    const response = await server.call('GET', `/v1/stats?${new URLSearchParams(query)}`, { key })
    expect(response.statusCode, response.body).toBe(200)
    return response.data
  }

  it('gives totals, days, durations, messages per session and busiest hours for a user', async () => {
    const figures = await stats({ user_id: user })
    expect(figures.totals).toEqual({ sessions: 5, messages: 15, active_now: 1 })
    expect(figures.sessions_per_day).toEqual([
      { day: '2026-05-01', count: 2 },
      { day: '2026-05-02', count: 0 },
      { day: '2026-05-03', count: 2 },
      { day: '2026-05-04', count: 1 },
    ])
    // percentile_cont interpolates: over 10, 40, 100, 700 the median is halfway between 40 and 100.
    expect(figures.duration_seconds.p50).toBeCloseTo(70, 9)
    expect(figures.duration_seconds.p90).toBeCloseTo(520, 9)
    expect(figures.duration_seconds.p99).toBeCloseTo(682, 9)
    expect(figures.duration_seconds.buckets).toEqual([
      { le_seconds: 15, count: 1 },
      { le_seconds: 30, count: 0 },
      { le_seconds: 60, count: 1 },
      { le_seconds: 120, count: 1 },
      { le_seconds: 300, count: 0 },
      { le_seconds: 600, count: 0 },
      { le_seconds: 1800, count: 1 },
      { le_seconds: 3600, count: 0 },
      { le_seconds: null, count: 0 },
    ])
    // Over 0, 2, 3, 4, 6 messages.
    expect(figures.messages_per_session.avg).toBeCloseTo(3, 9)
    expect(figures.messages_per_session.p50).toBeCloseTo(3, 9)
    expect(figures.messages_per_session.p90).toBeCloseTo(5.2, 9)
    expect(figures.messages_per_session.p99).toBeCloseTo(5.92, 9)
    expect(figures.busiest_hours).toEqual(hoursWith({ 8: 2, 14: 2, 23: 1 }))
  })

  it('counts only sessions started in [from, to); active_now is now, whatever the window', async () => {
    const figures = await stats({ user_id: user, from: '2026-05-03T00:00:00Z', to: '2026-05-04T00:00:00Z' })
    expect(figures.totals).toEqual({ sessions: 2, messages: 6, active_now: 1 })
    expect(figures.sessions_per_day).toEqual([{ day: '2026-05-03', count: 2 }])
    expect(figures.duration_seconds.p50).toBeCloseTo(400, 9)
    expect(figures.duration_seconds.buckets.filter((bucket: { count: number }) => bucket.count > 0)).toEqual([
      { le_seconds: 120, count: 1 },
      { le_seconds: 1800, count: 1 },
    ])
    expect(figures.busiest_hours).toEqual(hoursWith({ 14: 1, 23: 1 }))
    // A session starting exactly at `to` is outside; one starting exactly at `from` is inside.
    expect((await stats({ user_id: user, from: '2026-05-01T08:10:00Z', to: '2026-05-01T08:50:00Z' })).totals.sessions).toBe(1)
  })

  it('gives zeros and nulls where there is nothing to measure', async () => {
    expect(await stats({ user_id: uuidv4() })).toEqual({
      totals: { sessions: 0, messages: 0, active_now: 0 },
      sessions_per_day: [],
      duration_seconds: { p50: null, p90: null, p99: null, buckets: noBuckets },
      messages_per_session: { avg: null, p50: null, p90: null, p99: null },
      busiest_hours: hoursWith({}),
    })
  })

  it('keeps a user-bound key to its own user’s figures', async () => {
    await seedSession(server.tracker, { userId: server.user, startedAt: '2026-06-01T10:00:00Z', endedAt: '2026-06-01T10:01:00Z', turns: turns(2) })
    const own = await stats({}, server.keys.userRead)
    expect(own.totals).toEqual({ sessions: 1, messages: 2, active_now: 0 })
    expect(own.duration_seconds.p50).toBe(60)
    expect((await stats({ user_id: server.user }, server.keys.userRead)).totals.sessions).toBe(1)
    expectError(await server.call('GET', `/v1/stats?user_id=${user}`, { key: server.keys.userRead }), 403, 'USER_MISMATCH')
    // An unbound key sees everyone's.
    expect((await stats({})).totals.sessions).toBeGreaterThanOrEqual(6)
  })

  it('answers 400 naming the field for bad times, a window backwards, or an unknown parameter', async () => {
    const get = (query: string) => server.call('GET', `/v1/stats?${query}`, { key: server.keys.read })
    expectFieldError(await get('from=yesterday'), 'from')
    expectFieldError(await get(`user_id=nobody`), 'user_id')
    expectFieldError(await get('from=2026-05-04T00:00:00Z&to=2026-05-03T00:00:00Z'), 'to')
    expectFieldError(await get('days=7'), 'days', 'querystring')
    expectError(await server.call('GET', '/v1/stats', { key: server.keys.ingest }), 403, 'FORBIDDEN')
  })

  it('the SDK returns the same figures in camelCase', async () => {
    const parley = new ParleyClient({ baseUrl, apiKey: server.keys.read })
    const figures = await parley.getStats({ userId: user, from: '2026-05-01T00:00:00Z', to: new Date('2026-05-02T00:00:00Z') })
    expect(figures).toEqual({
      totals: { sessions: 2, messages: 6, activeNow: 1 },
      sessionsPerDay: [{ day: '2026-05-01', count: 2 }],
      durationSeconds: { p50: expect.closeTo(25, 9), p90: expect.closeTo(37, 9), p99: expect.closeTo(39.7, 9), buckets: expect.any(Array) },
      messagesPerSession: { avg: 3, p50: 3, p90: expect.closeTo(3.8, 9), p99: expect.closeTo(3.98, 9) },
      busiestHours: hoursWith({ 8: 2 }),
    })
    expect(figures.durationSeconds.buckets.slice(0, 3)).toEqual([
      { leSeconds: 15, count: 1 },
      { leSeconds: 30, count: 0 },
      { leSeconds: 60, count: 1 },
    ])
    await parley.shutdown()
  })
})
