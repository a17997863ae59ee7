// A voice conversation over HTTP: the happy path, retries, conflicts and paging.
import { expect, it } from 'vitest'
import { describeEachBackend } from '../support/backends.js'
import { expectError, serverFixture, uuidv4, uuidv7, type Response } from './support.js'

describeEachBackend('HTTP conversation', (backend) => {
  const server = serverFixture(backend)

  const start = async (body: Record<string, unknown> = {}) => {
    const response = await server.call('POST', '/v1/sessions', { key: server.keys.ingest, body })
    expect(response.statusCode, response.body).toBe(201)
    return response.data.session_id as string
  }
  const post = (sessionId: string, body: unknown) =>
    server.call('POST', `/v1/sessions/${sessionId}/messages`, { key: server.keys.ingest, body })
  const messagesOf = async (sessionId: string) => {
    const response = await server.call('GET', `/v1/sessions/${sessionId}/messages?limit=1000`, { key: server.keys.read })
    expect(response.statusCode, response.body).toBe(200)
    return response.data.messages as Array<Record<string, any>>
  }

  it('plays a whole voice conversation: start, messages one by one and batched, list, end, get', async () => {
    const sessionId = uuidv7()
    const userId = uuidv4()
    const started = await server.call('POST', '/v1/sessions', {
      key: server.keys.ingest,
      body: { session_id: sessionId, user_id: userId, metadata: { channel: 'phone', locale: 'en-GB' } },
    })
    expect(started.statusCode, started.body).toBe(201)
    expect(started.data).toEqual({
      session_id: sessionId,
      user_id: userId,
      started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      ended_at: null,
      is_active: true,
      duration_seconds: null,
      topics_discussed: [],
      metadata: { channel: 'phone', locale: 'en-GB' },
      message_count: 0,
      ended_reason: null,
    })

    const system = await post(sessionId, { role: 'system', content: 'You are a helpful voice assistant.' })
    expect(system.statusCode, system.body).toBe(201)
    expect(system.data.messages).toHaveLength(1)

    const userTurnId = uuidv7()
    const userTurn = await post(sessionId, {
      id: userTurnId,
      role: 'user',
      content: 'What is the weather in Lisbon? 🌤',
      audio_url: 'https://audio.example.com/turns/1.wav',
      metadata: { confidence: 0.93 },
    })
    expect(userTurn.statusCode, userTurn.body).toBe(201)
    expect(userTurn.data).toEqual({
      messages: [
        {
          id: userTurnId,
          session_id: sessionId,
          user_id: userId,
          role: 'user',
          content: 'What is the weather in Lisbon? 🌤',
          audio_url: 'https://audio.example.com/turns/1.wav',
          metadata: { confidence: 0.93 },
          created_at: expect.any(String),
          seq: expect.any(Number),
        },
      ],
    })

    const batch = await post(sessionId, {
      messages: [
        { role: 'assistant', content: 'Let me check.' },
        { role: 'tool', content: '{"lisbon": "22°C, sunny"}', metadata: { tool: 'weather' } },
        { role: 'assistant', content: 'It is 22 degrees and sunny in Lisbon.', audio_url: 'https://audio.example.com/turns/3.wav' },
      ],
    })
    expect(batch.statusCode, batch.body).toBe(201)
    expect(batch.data.messages.map((m: any) => m.role)).toEqual(['assistant', 'tool', 'assistant'])
    expect(batch.data.messages.every((m: any) => m.user_id === userId && m.session_id === sessionId)).toBe(true)

    const listed = await messagesOf(sessionId)
    expect(listed.map((m) => m.content)).toEqual([
      'You are a helpful voice assistant.',
      'What is the weather in Lisbon? 🌤',
      'Let me check.',
      '{"lisbon": "22°C, sunny"}',
      'It is 22 degrees and sunny in Lisbon.',
    ])
    expect(listed[1]).toEqual(userTurn.data.messages[0])
    expect(listed.slice(2)).toEqual(batch.data.messages)
    const seqs = listed.map((m) => m.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(5)

    const running = await server.call('GET', `/v1/sessions/${sessionId}`, { key: server.keys.read })
    expect(running.statusCode).toBe(200)
    expect(running.data).toMatchObject({ session_id: sessionId, is_active: true, message_count: 5 })

    const ended = await server.call('POST', `/v1/sessions/${sessionId}/end`, { key: server.keys.ingest, body: { reason: 'hangup' } })
    expect(ended.statusCode, ended.body).toBe(200)
    expect(ended.data).toEqual({
      session_id: sessionId,
      ended_at: expect.any(String),
      duration_seconds: expect.any(Number),
      message_count: 5,
    })
    expect(ended.data.duration_seconds).toBeGreaterThanOrEqual(0)

    const got = await server.call('GET', `/v1/sessions/${sessionId}`, { key: server.keys.read })
    expect(got.statusCode).toBe(200)
    expect(got.data).toEqual({
      ...started.data,
      ended_at: ended.data.ended_at,
      is_active: false,
      duration_seconds: ended.data.duration_seconds,
      message_count: 5,
      ended_reason: 'hangup',
    })
    expect(Date.parse(got.data.ended_at)).toBeGreaterThanOrEqual(Date.parse(got.data.started_at))

    const mine = await server.call('GET', `/v1/sessions?user_id=${userId}`, { key: server.keys.read })
    expect(mine.statusCode).toBe(200)
    expect(mine.data).toEqual({ sessions: [{ ...got.data, preview: 'What is the weather in Lisbon? 🌤' }], next_cursor: null })
  })

  it('a session may start with no body at all and gets an id', async () => {
    const response = await server.call('POST', '/v1/sessions', { key: server.keys.ingest })
    expect(response.statusCode, response.body).toBe(201)
    expect(response.data.session_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.data.user_id).toBeNull()
  })

  it('starting the same session_id again answers 200 with the same session', async () => {
    const sessionId = uuidv7()
    const userId = uuidv4()
    const body = { session_id: sessionId, user_id: userId, metadata: { agent: 'v2' } }
    const first = await server.call('POST', '/v1/sessions', { key: server.keys.ingest, body })
    expect(first.statusCode, first.body).toBe(201)
    const again = await server.call('POST', '/v1/sessions', { key: server.keys.ingest, body })
    expect(again.statusCode, again.body).toBe(200)
    expect(again.data).toEqual(first.data)
    // A retry that leaves the user out is still the same session.
    const bare = await server.call('POST', '/v1/sessions', { key: server.keys.ingest, body: { session_id: sessionId } })
    expect(bare.statusCode, bare.body).toBe(200)
    expect(bare.data).toEqual(first.data)
  })

  it('retried message ids are stored once and answer with the stored rows', async () => {
    const sessionId = await start({ user_id: uuidv4() })
    const batch = [
      { id: uuidv7(), role: 'user', content: 'Book a table for two.' },
      { id: uuidv7(), role: 'assistant', content: 'For what time?' },
      { id: uuidv7(), role: 'user', content: 'Eight.', metadata: { barge_in: true } },
    ]
    const first = await post(sessionId, { messages: batch })
    expect(first.statusCode, first.body).toBe(201)
    const retry = await post(sessionId, { messages: batch })
    expect(retry.statusCode, retry.body).toBe(201)
    expect(retry.data).toEqual(first.data)
    // One of them alone, as a client retrying a single turn would.
    const single = await post(sessionId, batch[1])
    expect(single.statusCode, single.body).toBe(201)
    expect(single.data).toEqual({ messages: [first.data.messages[1]] })

    // Several identical retries in flight at once still store each row once.
    const more = [
      { id: uuidv7(), role: 'assistant', content: 'Booked.' },
      { id: uuidv7(), role: 'user', content: 'Thanks!' },
    ]
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => post(sessionId, { messages: more })))
    for (const response of concurrent) {
      expect(response.statusCode, response.body).toBe(201)
      expect(response.data).toEqual(concurrent[0]!.data)
    }

    const stored = await messagesOf(sessionId)
    expect(stored.map((m) => m.id)).toEqual([...batch, ...more].map((m) => m.id))
    expect(stored.slice(0, 3)).toEqual(first.data.messages)
    const session = await server.call('GET', `/v1/sessions/${sessionId}`, { key: server.keys.read })
    expect(session.data.message_count).toBe(5)
  })

  it('ending twice answers the same both times', async () => {
    const sessionId = await start()
    await post(sessionId, { role: 'user', content: 'Bye.' })
    const first = await server.call('POST', `/v1/sessions/${sessionId}/end`, { key: server.keys.ingest, body: { reason: 'hangup' } })
    expect(first.statusCode, first.body).toBe(200)
    const second = await server.call('POST', `/v1/sessions/${sessionId}/end`, { key: server.keys.ingest })
    expect(second.statusCode, second.body).toBe(200)
    expect(second.data).toEqual(first.data)
    expect(first.data.message_count).toBe(1)
    const session = await server.call('GET', `/v1/sessions/${sessionId}`, { key: server.keys.read })
    expect(session.data.ended_reason).toBe('hangup')
  })

  it('the same message id with other content is 409 MESSAGE_CONFLICT and changes nothing', async () => {
    const sessionId = await start()
    const id = uuidv7()
    const stored = await post(sessionId, { id, role: 'user', content: 'Cancel my order.' })
    expect(stored.statusCode).toBe(201)

    const conflict = await post(sessionId, { id, role: 'user', content: 'Keep my order.' })
    expectError(conflict, 409, 'MESSAGE_CONFLICT', { id, session_id: sessionId, differing: ['content'] })

    // All or none: the new message beside the conflicting one is not stored either.
    const fresh = uuidv7()
    const mixed = await post(sessionId, { messages: [{ id: fresh, role: 'assistant', content: 'Done.' }, { id, role: 'user', content: 'Other.' }] })
    expectError(mixed, 409, 'MESSAGE_CONFLICT')

    const messages = await messagesOf(sessionId)
    expect(messages).toEqual(stored.data.messages)
  })

  it('a message to an ended session is 409 SESSION_ENDED; a retry of one already stored is still 201', async () => {
    const sessionId = await start()
    const kept = { id: uuidv7(), role: 'user', content: 'Goodbye.' }
    const stored = await post(sessionId, kept)
    expect(stored.statusCode).toBe(201)
    expect((await server.call('POST', `/v1/sessions/${sessionId}/end`, { key: server.keys.ingest })).statusCode).toBe(200)

    const late = await post(sessionId, { role: 'assistant', content: 'Are you still there?' })
    expectError(late, 409, 'SESSION_ENDED', { session_id: sessionId })
    const retry = await post(sessionId, kept)
    expect(retry.statusCode, retry.body).toBe(201)
    expect(retry.data).toEqual(stored.data)
    expect(await messagesOf(sessionId)).toEqual(stored.data.messages)
  })

  it('starting an existing session for another user is 409 SESSION_USER_MISMATCH', async () => {
    const sessionId = await start({ session_id: uuidv7(), user_id: uuidv4() })
    const other = await server.call('POST', '/v1/sessions', { key: server.keys.ingest, body: { session_id: sessionId, user_id: uuidv4() } })
    expectError(other, 409, 'SESSION_USER_MISMATCH', { session_id: sessionId })
  })

  it('pages GET /v1/sessions newest first without gaps or repeats while sessions are written', async () => {
    const userId = uuidv4()
    const base = Date.now() - 3_600_000
    const initial: string[] = []
    for (let index = 0; index < 13; index++) {
      // Every fourth shares one start time, so ties meet the page edges.
      const startedAt = new Date(base + (index % 4 === 0 ? 0 : index * 1000)).toISOString()
      initial.push(await start({ user_id: userId, started_at: startedAt }))
    }

    const rows: Array<{ session_id: string; started_at: string }> = []
    let cursor: string | null = null
    for (let page = 0; page < 20; page++) {
      const url: string = `/v1/sessions?user_id=${userId}&limit=4${cursor ? `&cursor=${cursor}` : ''}`
      // Between pages: a new session, one started before all the others, and an end.
      const [response]: [Response, ...unknown[]] = await Promise.all([
        server.call('GET', url, { key: server.keys.read }),
        start({ user_id: userId }),
        start({ user_id: userId, started_at: new Date(base - (page + 1) * 60_000).toISOString() }),
        page < initial.length && server.call('POST', `/v1/sessions/${initial[page]}/end`, { key: server.keys.ingest }),
      ])
      expect(response.statusCode, response.body).toBe(200)
      expect(response.data.sessions.length).toBeLessThanOrEqual(4)
      rows.push(...response.data.sessions)
      cursor = response.data.next_cursor
      if (!cursor) break
    }
    expect(cursor).toBeNull()

    const ids = rows.map((row) => row.session_id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expect.arrayContaining(initial))
    for (let index = 1; index < rows.length; index++) {
      const [newer, older] = [rows[index - 1]!, rows[index]!]
      const ordered = newer.started_at > older.started_at || (newer.started_at === older.started_at && newer.session_id > older.session_id)
      expect(ordered, `${JSON.stringify(newer)} before ${JSON.stringify(older)}`).toBe(true)
    }
  })

  it('filters sessions by active, from and to', async () => {
    const userId = uuidv4()
    const base = Date.parse('2024-03-01T10:00:00Z')
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString()
    const early = await start({ user_id: userId, started_at: at(0) })
    const middle = await start({ user_id: userId, started_at: at(10) })
    const late = await start({ user_id: userId, started_at: at(20) })
    await server.call('POST', `/v1/sessions/${middle}/end`, { key: server.keys.ingest })
    const ids = async (query: string) => {
      const response = await server.call('GET', `/v1/sessions?user_id=${userId}&${query}`, { key: server.keys.read })
      expect(response.statusCode, response.body).toBe(200)
      return response.data.sessions.map((s: any) => s.session_id)
    }
    expect(await ids('active=true')).toEqual([late, early])
    expect(await ids('active=false')).toEqual([middle])
    expect(await ids(`from=${at(10)}`)).toEqual([late, middle])
    expect(await ids(`to=${at(10)}`)).toEqual([early])
    expect(await ids(`from=${at(5)}&to=${at(25)}&active=true`)).toEqual([late])
  })

  it('pages a session’s messages in order without gaps or repeats while messages are written', async () => {
    const sessionId = await start()
    const initial: string[] = []
    for (const size of [1, 9, 7]) {
      const response = await post(sessionId, {
        messages: Array.from({ length: size }, (_, index) => ({ role: index % 2 ? 'assistant' : 'user', content: `turn ${initial.length + index}` })),
      })
      expect(response.statusCode, response.body).toBe(201)
      initial.push(...response.data.messages.map((m: any) => m.id))
    }

    const seen: Array<Record<string, any>> = []
    let after: string | null = null
    let pages = 0
    for (;;) {
      const url: string = `/v1/sessions/${sessionId}/messages?limit=5${after ? `&after=${after}` : ''}`
      const page = await server.call('GET', url, { key: server.keys.read })
      expect(page.statusCode, page.body).toBe(200)
      seen.push(...page.data.messages)
      after = page.data.next_cursor
      if (!after) break
      expect(after).toBe(page.data.messages.at(-1).id)
      // More turns arrive while the reader pages: one alone and a pair, at the same time.
      if (++pages <= 6) {
        const writes = await Promise.all([
          post(sessionId, { role: 'user', content: `late ${pages}` }),
          post(sessionId, { messages: [{ role: 'assistant', content: `late ${pages}a` }, { role: 'tool', content: `late ${pages}b` }] }),
        ])
        for (const write of writes) expect(write.statusCode, write.body).toBe(201)
      }
      expect(pages).toBeLessThan(30)
    }

    const ids = seen.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.slice(0, initial.length)).toEqual(initial)
    expect(seen).toEqual(await messagesOf(sessionId))
    expect(seen).toHaveLength(initial.length + 18)
  })
})
