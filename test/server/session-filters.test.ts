// GET /v1/sessions for the dashboard: metadata and duration filters, the first words of each conversation.
import { beforeAll, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import { ValidationError } from '../../src/model/errors.js'
import { listSessions } from '../../src/queries/sessions.sql.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { recordingDatabase } from '../support/recording-database.js'
import { plusSeconds, seedSession } from './dashboard-seed.js'
import { expectFieldError, serverFixture, uuidv4 } from './support.js'

const START = '2026-03-02T09:00:00.000Z'

describeEachBackend('session list filters', (backend) => {
  const server = serverFixture(backend)
  let baseUrl: string
  beforeAll(async () => {
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' })
  })

  const list = async (query: Record<string, string>, key = server.keys.read) => {
    const response = await server.call('GET', `/v1/sessions?${new URLSearchParams(query)}`, { key })
    expect(response.statusCode, response.body).toBe(200)
    return response.data.sessions as Array<Record<string, any>>
  }
  const tagged = (tag: string, more: Record<string, unknown> = {}) => JSON.stringify({ test: tag, ...more })

  it('keeps the sessions whose metadata contains the given object, nested values included', async () => {
    const tag = uuidv4()
    const phone = await seedSession(server.tracker, { startedAt: START, metadata: { test: tag, channel: 'phone', agent: { name: 'ada', v: 2 } } })
    const web = await seedSession(server.tracker, { startedAt: plusSeconds(START, 60), metadata: { test: tag, channel: 'web' } })
    await seedSession(server.tracker, { startedAt: START, metadata: { channel: 'phone' } })

    expect((await list({ metadata: tagged(tag) })).map((session) => session.session_id)).toEqual([web, phone])
    expect((await list({ metadata: tagged(tag, { channel: 'phone' }) })).map((session) => session.session_id)).toEqual([phone])
    expect((await list({ metadata: tagged(tag, { agent: { name: 'ada' } }) })).map((session) => session.session_id)).toEqual([phone])
    expect(await list({ metadata: tagged(tag, { channel: 'fax' }) })).toEqual([])
  })

  it('keeps ended sessions that lasted at least min_duration seconds; running ones never match', async () => {
    const tag = uuidv4()
    const short = await seedSession(server.tracker, { startedAt: START, endedAt: plusSeconds(START, 10), metadata: { test: tag } })
    const long = await seedSession(server.tracker, { startedAt: plusSeconds(START, 1), endedAt: plusSeconds(START, 121.5), metadata: { test: tag } })
    await seedSession(server.tracker, { startedAt: plusSeconds(START, 2), metadata: { test: tag } })

    const ids = async (minDuration: string) => (await list({ metadata: tagged(tag), min_duration: minDuration })).map((session) => session.session_id)
    expect(await ids('0')).toEqual([long, short])
    expect(await ids('10')).toEqual([long, short])
    expect(await ids('10.5')).toEqual([long])
    expect(await ids('120.5')).toEqual([long])
    expect(await ids('120.6')).toEqual([])
    // Filters combine with the others: only the ended ones are left once running ones are asked for.
    expect(await list({ metadata: tagged(tag), min_duration: '0', active: 'true' })).toEqual([])
  })

  it('shows the first 120 characters of the first user or assistant turn, or null before there is one', async () => {
    const tag = uuidv4()
    const long = 'Olá, ' + 'é'.repeat(200)
    const withSystem = await seedSession(server.tracker, {
      startedAt: START,
      metadata: { test: tag },
      turns: [
        { role: 'system', content: 'You are a helpful voice assistant.' },
        { role: 'tool', content: '{"weather":"sunny"}' },
        { role: 'assistant', content: long },
        { role: 'user', content: 'Thanks!' },
      ],
    })
    const silent = await seedSession(server.tracker, { startedAt: plusSeconds(START, 5), metadata: { test: tag } })
    const onlySystem = await seedSession(server.tracker, {
      startedAt: plusSeconds(START, 10),
      metadata: { test: tag },
      turns: [{ role: 'system', content: 'Prompt only' }],
    })

    const sessions = await list({ metadata: tagged(tag) })
    expect(sessions.map((session) => [session.session_id, session.preview])).toEqual([
      [onlySystem, null],
      [silent, null],
      [withSystem, long.slice(0, 120)],
    ])
    expect([...sessions[2]!.preview]).toHaveLength(120)
    // Every field of a session is still there beside the preview.
    expect(sessions[2]).toMatchObject({ session_id: withSystem, message_count: 4, is_active: true, metadata: { test: tag } })
  })

  it('lists a page with its previews in one query', async () => {
    const tag = uuidv4()
    for (let index = 0; index < 5; index++) {
      await seedSession(server.tracker, {
        startedAt: plusSeconds(START, index),
        metadata: { test: tag },
        turns: [{ role: 'user', content: `turn ${index}` }],
      })
    }
    const queries: string[] = []
    const counting = recordingDatabase(server.database, (sql) => queries.push(sql))
    const tracker = await createTracker({ database: counting, migrate: false })
    queries.length = 0
    const page = await tracker.listSessions({ metadata: { test: tag }, limit: 50 })
    expect(page.sessions.map((session) => session.preview)).toEqual(['turn 4', 'turn 3', 'turn 2', 'turn 1', 'turn 0'])
    expect(queries).toHaveLength(1)
  })

  it('answers 400 naming the field for bad metadata JSON, a non-object, or a negative min_duration', async () => {
    const bad = (query: string) => server.call('GET', `/v1/sessions?${query}`, { key: server.keys.read })
    expect(expectFieldError(await bad('metadata=%7Bchannel'), 'metadata')).toMatch(/JSON object/)
    expectFieldError(await bad(`metadata=${encodeURIComponent('["phone"]')}`), 'metadata')
    expectFieldError(await bad('metadata=null'), 'metadata')
    expectFieldError(await bad('min_duration=-5'), 'min_duration', 'querystring')
    expectFieldError(await bad('min_duration=ten'), 'min_duration', 'querystring')

    await expect(server.tracker.listSessions({ minDuration: -1 })).rejects.toThrow(ValidationError)
    await expect(server.tracker.listSessions({ minDuration: -1 })).rejects.toMatchObject({ field: 'minDuration' })
    await expect(server.tracker.listSessions({ metadata: [] as never })).rejects.toMatchObject({ field: 'metadata' })
  })

  it('a user-bound key filters within its own user’s sessions only', async () => {
    const tag = uuidv4()
    const mine = await seedSession(server.tracker, { userId: server.user, startedAt: START, metadata: { test: tag } })
    await seedSession(server.tracker, { userId: uuidv4(), startedAt: START, metadata: { test: tag } })
    expect((await list({ metadata: tagged(tag) }, server.keys.userRead)).map((session) => session.session_id)).toEqual([mine])
    expect(await list({ metadata: tagged(tag) }, server.keys.read)).toHaveLength(2)
  })

  it('a rare metadata value is found by the GIN index, not by reading every session', async () => {
    await server.database.query(`
      insert into conversation_sessions (session_id, session_start, metadata)
      select gen_random_uuid(), timestamptz '2026-01-01' + i * interval '1 minute', jsonb_build_object('tenant', 't' || (i % 1000), 'channel', 'phone')
      from generate_series(1, 5000) as i`)
    await server.database.query('analyze conversation_sessions')
    const explain = async (metadata: object) => {
      const params = [null, null, null, null, 51, null, null, JSON.stringify(metadata), null]
      const { rows } = await server.database.query<{ 'QUERY PLAN': string }>(`explain ${listSessions}`, params)
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    }
    const plan = await explain({ tenant: 't7' })
    expect(plan, plan).toContain('conversation_sessions_metadata_idx')
    expect(plan, plan).not.toMatch(/Seq Scan on conversation_sessions/)
    expect(await list({ metadata: JSON.stringify({ tenant: 't7' }), limit: '10' })).toHaveLength(5)
  })

  it('the SDK sends metadata and minDuration and returns previews', async () => {
    const tag = uuidv4()
    const ended = await seedSession(server.tracker, {
      startedAt: START,
      endedAt: plusSeconds(START, 30),
      metadata: { test: tag, channel: 'phone' },
      turns: [{ role: 'user', content: 'Book a table for two' }],
    })
    await seedSession(server.tracker, { startedAt: START, endedAt: plusSeconds(START, 5), metadata: { test: tag, channel: 'phone' } })
    await seedSession(server.tracker, { startedAt: START, endedAt: plusSeconds(START, 30), metadata: { test: tag, channel: 'web' } })

    const parley = new ParleyClient({ baseUrl, apiKey: server.keys.read })
    const page = await parley.listSessions({ metadata: { test: tag, channel: 'phone' }, minDuration: 20 })
    expect(page.nextCursor).toBeNull()
    expect(page.sessions).toHaveLength(1)
    expect(page.sessions[0]).toMatchObject({ sessionId: ended, durationSeconds: 30, preview: 'Book a table for two' })
    expect(page.sessions[0]!.startedAt).toEqual(new Date(START))
    await parley.shutdown()
  })
})
