// Every error the HTTP API answers with, in its one shape; health, OpenAPI and docs.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { call, expectError, expectFieldError, serverFixture, uuidv4, uuidv7 } from './support.js'

describeEachBackend('HTTP errors', (backend) => {
  const server = serverFixture(backend)

  const start = async () => {
    const response = await server.call('POST', '/v1/sessions', { body: {} })
    expect(response.statusCode, response.body).toBe(201)
    return response.data.session_id as string
  }
  const post = (sessionId: string, body: unknown, headers?: Record<string, string>) =>
    server.call('POST', `/v1/sessions/${sessionId}/messages`, { body, ...(headers && { headers }) })
  const countOf = async (sessionId: string) => (await server.call('GET', `/v1/sessions/${sessionId}`)).data.message_count as number

  it('400 names session_id when the path holds no UUID, on every session route', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/sessions/not-a-uuid', undefined],
      ['GET', '/v1/sessions/not-a-uuid/messages', undefined],
      ['POST', '/v1/sessions/not-a-uuid/messages', { role: 'user', content: 'hi' }],
      ['POST', '/v1/sessions/12345/end', {}],
    ] as const) {
      // The path is a string to the wire schema; that it is a UUID is the model's rule.
      expectFieldError(await server.call(method, path, { body }), 'session_id')
    }
  })

  it('one UUID rule at every door: a urn:uuid or braced id is refused alike by the library, the HTTP API and the stream schema', async () => {
    const sessionId = await start()
    for (const id of [`urn:uuid:${uuidv7()}`, `{${uuidv7()}}`, `${uuidv7()}x`]) {
      expectFieldError(await post(sessionId, { id, role: 'user', content: 'hi' }), 'id')
      expectFieldError(await post(sessionId, { messages: [{ id, role: 'user', content: 'hi' }] }), 'messages[0].id')
      await expect(server.tracker.addMessage({ sessionId, id, role: 'user', content: 'hi' })).rejects.toMatchObject({ field: 'id' })
    }
    expect(await countOf(sessionId)).toBe(0)
  })

  it('400 names an unknown field: in the body, in messages[i], in the query', async () => {
    const sessionId = await start()
    expectFieldError(await server.call('POST', '/v1/sessions', { body: { user: uuidv4() } }), 'user', 'body')
    expectFieldError(await post(sessionId, { role: 'user', content: 'hi', speaker: 'caller' }), 'speaker', 'body')
    const nested = await post(sessionId, { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b', colour: 'red' }] })
    expect(expectFieldError(nested, 'messages[1].colour', 'body')).toContain('not a known field')
    expectFieldError(await server.call('POST', `/v1/sessions/${sessionId}/end`, { body: { why: 'bored' } }), 'why', 'body')
    expectFieldError(await server.call('GET', `/v1/sessions?colour=red`), 'colour', 'querystring')
    expectFieldError(await server.call('GET', `/v1/sessions/${sessionId}/messages?before=${uuidv7()}`), 'before', 'querystring')
    expect(await countOf(sessionId)).toBe(0)
  })

  it('400 names the role of messages[i]; nothing of the batch is stored', async () => {
    const sessionId = await start()
    const batch = await post(sessionId, {
      messages: [
        { role: 'user', content: 'fine' },
        { role: 'user', content: 'fine too' },
        { role: 'robot', content: 'beep' },
      ],
    })
    expect(expectFieldError(batch, 'messages[2].role', 'body')).toMatch(/user, assistant, system, tool/)
    expectFieldError(await post(sessionId, { role: 'bot', content: 'beep' }), 'role', 'body')
    expect(await countOf(sessionId)).toBe(0)
  })

  it('400 names missing content and role, alone or in messages[i]', async () => {
    const sessionId = await start()
    expectFieldError(await post(sessionId, { role: 'user' }), 'content')
    expectFieldError(await post(sessionId, { content: 'who am I?' }), 'role')
    expectFieldError(await post(sessionId, { messages: [{ role: 'user', content: 'a' }, { role: 'user' }] }), 'messages[1].content', 'body')
    expectFieldError(await post(sessionId, { messages: [{ content: 'a' }] }), 'messages[0].role', 'body')
    expectFieldError(await post(sessionId, { messages: [] }), 'messages', 'body')
    expectFieldError(await post(sessionId, { role: 'user', content: 'x', messages: [{ role: 'user', content: 'y' }] }), 'messages')
    expect(await countOf(sessionId)).toBe(0)
  })

  it('400 names messages when a request holds more than 500; 500 are fine', async () => {
    const sessionId = await start()
    const many = (count: number) => ({ messages: Array.from({ length: count }, (_, index) => ({ role: 'user', content: `turn ${index}` })) })
    expect(expectFieldError(await post(sessionId, many(501)), 'messages', 'body')).toMatch(/500/)
    expect(await countOf(sessionId)).toBe(0)
    const fine = await post(sessionId, many(500))
    expect(fine.statusCode, fine.body.slice(0, 300)).toBe(201)
    expect(fine.data.messages).toHaveLength(500)
  })

  it('400 names limit when it is not a whole number in range, on both lists', async () => {
    const sessionId = await start()
    const urls = [
      ...['abc', '-1', '1.5', '0', '1001'].map((limit) => `/v1/sessions/${sessionId}/messages?limit=${limit}`),
      ...['abc', '-1', '0', '501'].map((limit) => `/v1/sessions?limit=${limit}`),
    ]
    for (const url of urls) {
      const response = await server.call('GET', url)
      expectError(response, 400, 'VALIDATION_FAILED')
      expect(response.data.error.details.field, url).toBe('limit')
      expect(response.data.error.message, url).toMatch(/^limit: /)
    }
    expectFieldError(await server.call('GET', '/v1/sessions?limit=abc'), 'limit', 'querystring')
  })

  it('400 names the other fields a client can get wrong', async () => {
    const sessionId = await start()
    const cases: Array<[string, string, string, unknown]> = [
      ['cursor', 'GET', '/v1/sessions?cursor=not-a-cursor', undefined],
      ['user_id', 'GET', '/v1/sessions?user_id=42', undefined],
      ['active', 'GET', '/v1/sessions?active=yes', undefined],
      ['from', 'GET', '/v1/sessions?from=yesterday', undefined],
      ['after', 'GET', `/v1/sessions/${sessionId}/messages?after=${uuidv7()}`, undefined],
      ['session_id', 'POST', '/v1/sessions', { session_id: 'abc' }],
      ['started_at', 'POST', '/v1/sessions', { started_at: 'noon' }],
      ['metadata', 'POST', '/v1/sessions', { metadata: [1, 2] }],
      ['audio_url', 'POST', `/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'x', audio_url: 'turn.wav' }],
      ['messages[1].audio_url', 'POST', `/v1/sessions/${sessionId}/messages`, { messages: [{ role: 'user', content: 'x' }, { role: 'user', content: 'y', audio_url: 'no' }] }],
      ['created_at', 'POST', `/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'x', created_at: 'then' }],
      ['id', 'POST', `/v1/sessions/${sessionId}/messages`, { id: 'm-1', role: 'user', content: 'x' }],
      ['reason', 'POST', `/v1/sessions/${sessionId}/end`, { reason: 'x'.repeat(201) }],
    ]
    for (const [field, method, url, body] of cases) {
      const response = await server.call(method, url, { body })
      expectError(response, 400, 'VALIDATION_FAILED')
      expect(response.data.error.details.field, `${url} ${response.body}`).toBe(field)
      expect(response.data.error.message, response.body).toMatch(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `))
    }
    const session = await server.call('GET', `/v1/sessions/${sessionId}`)
    expect(session.data).toMatchObject({ is_active: true, message_count: 0 })
  })

  it('400 INVALID_JSON for a body that is not JSON', async () => {
    const sessionId = await start()
    const broken = await post(sessionId, '{"role": "user", "content": ', { 'content-type': 'application/json' })
    expectError(broken, 400, 'INVALID_JSON', {})
    expect(await countOf(sessionId)).toBe(0)
  })

  it('404 SESSION_NOT_FOUND for an unknown session on every session route', async () => {
    const unknown = uuidv7()
    for (const [method, path, body] of [
      ['GET', `/v1/sessions/${unknown}`, undefined],
      ['GET', `/v1/sessions/${unknown}/messages`, undefined],
      ['POST', `/v1/sessions/${unknown}/messages`, { role: 'user', content: 'hello?' }],
      ['POST', `/v1/sessions/${unknown}/end`, {}],
    ] as const) {
      expectError(await server.call(method, path, { body }), 404, 'SESSION_NOT_FOUND', { session_id: unknown })
    }
    expect((await server.call('GET', `/v1/sessions/${unknown}`)).statusCode).toBe(404)
  })

  it('404 ROUTE_NOT_FOUND for an unknown route or method, with or without a key', async () => {
    for (const key of [server.keys?.admin, null]) {
      expectError(await server.call('GET', '/v1/conversations', { key: key ?? null }), 404, 'ROUTE_NOT_FOUND', {})
      expectError(await server.call('DELETE', `/v1/sessions/${uuidv7()}`, { key: key ?? null }), 404, 'ROUTE_NOT_FOUND', {})
    }
  })

  it('413 PAYLOAD_TOO_LARGE for a body over the limit; nothing stored', async () => {
    const small = await buildApp({ tracker: server.tracker, bodyLimit: 2048 })
    try {
      const sessionId = await start()
      const big = await call(small, 'POST', `/v1/sessions/${sessionId}/messages`, {
        key: server.keys.admin,
        body: { role: 'user', content: 'x'.repeat(4000) },
      })
      expectError(big, 413, 'PAYLOAD_TOO_LARGE', {})
      expect(await countOf(sessionId)).toBe(0)
      const fits = await call(small, 'POST', `/v1/sessions/${sessionId}/messages`, {
        key: server.keys.admin,
        body: { role: 'user', content: 'x'.repeat(1000) },
      })
      expect(fits.statusCode, fits.body).toBe(201)
    } finally {
      await small.close()
    }
  })

  it('415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON by its content type; nothing stored', async () => {
    const sessionId = await start()
    const json = JSON.stringify({ role: 'user', content: 'hello' })
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const response = await post(sessionId, json, { 'content-type': type })
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', {})
    }
    expect(await countOf(sessionId)).toBe(0)
    const right = await post(sessionId, json, { 'content-type': 'application/json; charset=utf-8' })
    expect(right.statusCode, right.body).toBe(201)
  })

  it('500 INTERNAL_ERROR says nothing about what failed', async () => {
    const broken: Tracker = {
      ...server.tracker,
      getSession: async () => {
        throw new Error('relation "secret_table" does not exist at /srv/parley/db.ts:12 password=hunter2')
      },
    }
    const app = await buildApp({ tracker: broken })
    try {
      const response = await call(app, 'GET', `/v1/sessions/${uuidv7()}`, { key: server.keys.admin })
      const error = expectError(response, 500, 'INTERNAL_ERROR', {})
      expect(response.body).not.toMatch(/secret_table|hunter2|srv/)
      expect(error.message).toMatch(/logged/)
    } finally {
      await app.close()
    }
  })

  it('503 with Retry-After while the database is unreachable, and 2xx again once it is back', async () => {
    let outage: { tracker: Tracker; key: string; down(): Promise<void>; up(): Promise<void> }
    if (backend.name === 'postgres') {
      // A real outage: the tracker reaches PostgreSQL through a proxy the test cuts.
      const { database, url } = await backend.emptyDatabase()
      await migrate(database)
      const proxy = await tcpProxy(new URL(url))
      const proxied = new URL(url)
      proxied.port = String(proxy.port)
      outage = {
        tracker: await createTracker({ database: proxied.toString() }),
        key: (await createApiKey(database, { scope: 'admin' })).key,
        ...proxy,
      }
    } else {
      // The embedded database cannot be cut off: its driver fails the way a terminated server does.
      let down = false
      const flaky = flakyDriver(server.database, () => down)
      outage = {
        tracker: await createTracker({ database: flaky }),
        key: server.keys.admin,
        down: async () => void (down = true),
        up: async () => void (down = false),
      }
    }
    const app = await buildApp({ tracker: outage.tracker })
    try {
      const sessionId = (await call(app, 'POST', '/v1/sessions', { key: outage.key, body: {} })).data.session_id
      expect(sessionId).toBeDefined()
      await outage.down()
      const requests: Array<[string, string, unknown]> = [
        ['GET', `/v1/sessions/${sessionId}`, undefined],
        ['GET', `/v1/sessions/${sessionId}/messages`, undefined],
        ['GET', '/v1/sessions', undefined],
        ['POST', '/v1/sessions', {}],
        ['POST', `/v1/sessions/${sessionId}/messages`, { messages: [{ role: 'user', content: 'anyone?' }] }],
        ['POST', `/v1/sessions/${sessionId}/end`, {}],
        ['GET', '/readyz', undefined],
      ]
      for (const [method, url, body] of requests) {
        const response = await call(app, method, url, { key: outage.key, body })
        const error = expectError(response, 503, 'DATABASE_UNAVAILABLE', { retry_after_seconds: 5 })
        expect(response.headers['retry-after'], url).toBe('5')
        // Where the database lives and what the driver said stay in the log.
        expect(error.message, url).not.toMatch(/127\.0\.0\.1|postgres|parley_test|ECONN|terminat/i)
      }
      expect((await call(app, 'GET', '/healthz')).statusCode).toBe(200)

      await outage.up()
      const back = await call(app, 'POST', `/v1/sessions/${sessionId}/messages`, { key: outage.key, body: { role: 'user', content: 'back' } })
      expect(back.statusCode, back.body).toBe(201)
      expect((await call(app, 'GET', '/readyz')).statusCode).toBe(200)
    } finally {
      await app.close()
      await outage.tracker.close()
    }
  })

  it('/healthz and /readyz answer 200 without a key; /readyz is 503 with Retry-After while the schema drifts', async () => {
    const health = await call(server.app, 'GET', '/healthz')
    expect(health.statusCode).toBe(200)
    expect(health.data).toEqual({ status: 'ok' })
    const ready = await call(server.app, 'GET', '/readyz')
    expect(ready.statusCode, ready.body).toBe(200)
    expect(ready.data).toEqual({ status: 'ready', live_events: expect.stringMatching(/^(ok|starting)$/) })

    await server.database.exec('drop index conversation_sessions_active_idx')
    try {
      const drifted = await call(server.app, 'GET', '/readyz')
      expect(drifted.statusCode, drifted.body).toBe(503)
      expect(drifted.headers['retry-after']).toBe('5')
      expect(drifted.data).toMatchObject({ status: 'schema_mismatch', ok: false })
      expect(drifted.data.problems).toContainEqual(
        expect.objectContaining({ kind: 'missing_index', name: 'conversation_sessions_active_idx', severity: 'error' }),
      )
      expect((await call(server.app, 'GET', '/healthz')).statusCode).toBe(200)
    } finally {
      await server.database.exec('create index if not exists conversation_sessions_active_idx on conversation_sessions (started_at desc) where is_active')
    }
    expect((await call(server.app, 'GET', '/readyz')).statusCode).toBe(200)
  })

  it('/openapi.json lists every route with its method; /docs answers with a page', async () => {
    const response = await call(server.app, 'GET', '/openapi.json')
    expect(response.statusCode).toBe(200)
    const paths = response.data.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>
    const listed = Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    const data = [
      'POST /v1/sessions',
      'GET /v1/sessions',
      'GET /v1/sessions/{session_id}',
      'POST /v1/sessions/{session_id}/messages',
      'GET /v1/sessions/{session_id}/messages',
      'POST /v1/sessions/{session_id}/end',
    ]
    expect(listed).toEqual(expect.arrayContaining([...data, 'GET /healthz', 'GET /readyz']))
    for (const route of data) {
      const [method, path] = route.split(' ') as [string, string]
      const operation = paths[path]![method.toLowerCase()]!
      expect(operation.security, route).toEqual([{ bearer: [] }])
      expect(Object.keys(operation.responses), route).toEqual(expect.arrayContaining(['400', '401', '403', '404']))
      // Each listed route answers (here: 401 without a key), so the document names real routes.
      const url = path.replace('{session_id}', uuidv7())
      expect((await call(server.app, method, url, { body: method === 'POST' ? {} : undefined })).statusCode, route).toBe(401)
    }

    const docs = await call(server.app, 'GET', '/docs')
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toMatch(/^text\/html/)
    expect(docs.body).toContain('Swagger UI')
  })
})

/** A TCP proxy to a PostgreSQL that the test can cut (every connection dropped, port closed) and restore. */
async function tcpProxy(target: URL): Promise<{ port: number; down(): Promise<void>; up(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let server: Server
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('error', () => {})
          socket.on('close', () => {
            client.destroy()
            upstream.destroy()
            sockets.delete(socket)
          })
        }
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
    })
  const port = await listen(0)
  return {
    port,
    async down() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
    async up() {
      await listen(port)
    },
  }
}

/** Driver-shaped access to a database that fails like a terminated server while `isDown()`. */
function flakyDriver(database: Database, isDown: () => boolean) {
  const check = () => {
    if (isDown()) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
  }
  return {
    async query<Row>(sql: string, params?: unknown[]) {
      check()
      return database.query<Row>(sql, params)
    },
    async exec(sql: string) {
      check()
      await database.exec(sql)
    },
    transaction<T>(fn: (tx: Database) => Promise<T>) {
      check()
      return database.transaction((tx) => fn(tx as Database))
    },
    // The suite's database outlives this driver.
    async close() {},
  }
}
