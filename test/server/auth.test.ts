// API keys over HTTP: no key, bad keys, revoked keys, scopes, and keys bound to one user.
import { expect, it, vi } from 'vitest'
import { KEY_CACHE_MS } from '../../src/server/plugins/auth.js'
import { createApiKey, revokeApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { describeEachBackend } from '../support/backends.js'
import { call, expectError, serverFixture, uuidv4, uuidv7 } from './support.js'

const writeRoutes = (id: string): Array<[string, string, unknown]> => [
  ['POST', '/v1/sessions', { session_id: id }],
  ['POST', `/v1/sessions/${id}/messages`, { role: 'user', content: 'hello' }],
  ['POST', `/v1/sessions/${id}/end`, {}],
]
const readRoutes = (id: string): Array<[string, string, unknown]> => [
  ['GET', `/v1/sessions/${id}`, undefined],
  ['GET', `/v1/sessions/${id}/messages`, undefined],
  ['GET', '/v1/sessions', undefined],
]

describeEachBackend('HTTP auth', (backend) => {
  const server = serverFixture(backend)

  /** A session of someone else's (or nobody's), with one message, started with the admin key. */
  const foreignSession = async (userId: string | null) => {
    const started = await server.call('POST', '/v1/sessions', { body: { user_id: userId } })
    expect(started.statusCode, started.body).toBe(201)
    const sessionId = started.data.session_id as string
    expect((await server.call('POST', `/v1/sessions/${sessionId}/messages`, { body: { role: 'user', content: 'private' } })).statusCode).toBe(201)
    return sessionId
  }
  const expectUntouched = async (sessionId: string, messageCount: number) => {
    const session = await server.call('GET', `/v1/sessions/${sessionId}`)
    expect(session.data).toMatchObject({ is_active: true, message_count: messageCount })
  }

  it('401 UNAUTHORIZED with WWW-Authenticate on every data route, without a key or with a bad one', async () => {
    const sessionId = await foreignSession(null)
    const admin = server.keys.admin
    const unknown = `pk_0123abcd_${'A'.repeat(43)}`
    // The admin key's prefix with another secret: found by prefix, refused by hash.
    const forged = `${admin.slice(0, 12)}${admin.at(12) === 'x' ? 'y' : 'x'}${admin.slice(13)}`
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      { authorization: 'Bearer' },
      { authorization: 'Bearer    ' },
      { authorization: `bearer-ish ${admin}` },
      { authorization: 'Bearer pk_nothex!_short' },
      { authorization: `Bearer ${unknown}` },
      { authorization: `Bearer ${forged}` },
      { authorization: `Bearer ${admin}x` },
    ]
    for (const header of headers) {
      for (const [method, url, body] of [...writeRoutes(sessionId), ...readRoutes(sessionId)]) {
        const response = await call(server.app, method, url, { headers: header, body })
        expectError(response, 401, 'UNAUTHORIZED', {})
        expect(response.headers['www-authenticate'], `${url} ${JSON.stringify(header)}`).toBe('Bearer')
        expect(response.body).not.toContain(admin.slice(12))
      }
    }
    await expectUntouched(sessionId, 1)
  })

  it('a key revoked while in use stops working within a second on the server that had it cached', async () => {
    const used = await createApiKey(server.database, { scope: 'read', name: 'in use' })
    expect((await server.call('GET', '/v1/sessions', { key: used.key })).statusCode).toBe(200)
    await revokeApiKey(server.database, used.apiKey.prefix)
    expect(KEY_CACHE_MS).toBeLessThan(1000)
    await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_MS + 50))
    expectError(await server.call('GET', '/v1/sessions', { key: used.key }), 401, 'UNAUTHORIZED', {})
  })

  it('401 for a revoked key: at once when the app has not seen it, and on a fresh app', async () => {
    const neverUsed = await createApiKey(server.database, { scope: 'read' })
    await revokeApiKey(server.database, neverUsed.apiKey.prefix)
    expectError(await server.call('GET', '/v1/sessions', { key: neverUsed.key }), 401, 'UNAUTHORIZED', {})

    const used = await createApiKey(server.database, { scope: 'read', name: 'laptop' })
    expect((await server.call('GET', '/v1/sessions', { key: used.key })).statusCode).toBe(200)
    await revokeApiKey(server.database, `pk_${used.apiKey.prefix}`)
    const fresh = await buildApp({ tracker: server.tracker })
    try {
      expectError(await call(fresh, 'GET', '/v1/sessions', { key: used.key }), 401, 'UNAUTHORIZED', {})
      expect((await call(fresh, 'GET', '/v1/sessions', { key: server.keys.read })).statusCode).toBe(200)
    } finally {
      await fresh.close()
    }
  })

  it('a running app refuses a revoked key once the 10 s it trusts a verified key have passed', async () => {
    const { key, apiKey } = await createApiKey(server.database, { scope: 'ingest' })
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      expect((await server.call('POST', '/v1/sessions', { key, body: {} })).statusCode).toBe(201)
      await revokeApiKey(server.database, apiKey.prefix)
      vi.setSystemTime(Date.now() + 10_001)
      expectError(await server.call('POST', '/v1/sessions', { key, body: {} }), 401, 'UNAUTHORIZED', {})
    } finally {
      vi.useRealTimers()
    }
  })

  it('403 FORBIDDEN for a read key on every write route and an ingest key on every read route; admin may do both', async () => {
    const sessionId = await foreignSession(uuidv4())
    for (const [method, url, body] of writeRoutes(sessionId)) {
      for (const key of [server.keys.read, server.keys.userRead]) {
        const error = expectError(await server.call(method, url, { key, body }), 403, 'FORBIDDEN', {})
        expect(error.message).toMatch(/read scope.*needs ingest/)
      }
    }
    for (const [method, url, body] of readRoutes(sessionId)) {
      for (const key of [server.keys.ingest, server.keys.userIngest]) {
        const error = expectError(await server.call(method, url, { key, body }), 403, 'FORBIDDEN', {})
        expect(error.message).toMatch(/ingest scope.*needs read/)
      }
    }
    await expectUntouched(sessionId, 1)

    for (const [method, url, body] of [...readRoutes(sessionId), ...writeRoutes(sessionId)]) {
      const response = await server.call(method, url, { key: server.keys.admin, body })
      expect([200, 201], `${method} ${url} ${response.body}`).toContain(response.statusCode)
    }
    expect((await server.call('GET', `/v1/sessions/${sessionId}`)).data).toMatchObject({ is_active: false, message_count: 2 })
  })

  it('403 USER_MISMATCH when a key bound to a user names another user', async () => {
    const sessionId = uuidv7()
    const start = await server.call('POST', '/v1/sessions', { key: server.keys.userIngest, body: { session_id: sessionId, user_id: uuidv4() } })
    expectError(start, 403, 'USER_MISMATCH', {})
    expectError(await server.call('GET', `/v1/sessions/${sessionId}`), 404, 'SESSION_NOT_FOUND')
    expectError(await server.call('GET', `/v1/sessions?user_id=${uuidv4()}`, { key: server.keys.userRead }), 403, 'USER_MISMATCH', {})

    // Its own user, spelled in capitals, is still its own.
    const own = await server.call('POST', '/v1/sessions', { key: server.keys.userIngest, body: { session_id: sessionId, user_id: server.user.toUpperCase() } })
    expect(own.statusCode, own.body).toBe(201)
    expect(own.data.user_id).toBe(server.user)
  })

  it('a bound key starts sessions for its own user and lists only that user’s', async () => {
    const mine = await server.call('POST', '/v1/sessions', { key: server.keys.userIngest, body: {} })
    expect(mine.statusCode, mine.body).toBe(201)
    expect(mine.data.user_id).toBe(server.user)
    await foreignSession(uuidv4())
    await foreignSession(null)

    const listed = await server.call('GET', '/v1/sessions?limit=500', { key: server.keys.userRead })
    expect(listed.statusCode).toBe(200)
    expect(listed.data.sessions.map((s: any) => s.session_id)).toContain(mine.data.session_id)
    expect(listed.data.sessions.every((s: any) => s.user_id === server.user)).toBe(true)
    const all = await server.call('GET', '/v1/sessions?limit=500', { key: server.keys.read })
    expect(all.data.sessions.length).toBeGreaterThan(listed.data.sessions.length)

    expect((await server.call('GET', `/v1/sessions/${mine.data.session_id}`, { key: server.keys.userRead })).statusCode).toBe(200)
    const said = await server.call('POST', `/v1/sessions/${mine.data.session_id}/messages`, { key: server.keys.userIngest, body: { role: 'user', content: 'mine' } })
    expect(said.statusCode, said.body).toBe(201)
    expect(said.data.messages[0].user_id).toBe(server.user)
  })

  it('404 SESSION_NOT_FOUND, not 403, for another user’s session through a bound key, on every route', async () => {
    for (const owner of [uuidv4(), null]) {
      const sessionId = await foreignSession(owner)
      const unknown = uuidv7()
      const routes: Array<[string, string, string, unknown]> = [
        [server.keys.userRead, 'GET', `/v1/sessions/${sessionId}`, undefined],
        [server.keys.userRead, 'GET', `/v1/sessions/${sessionId}/messages`, undefined],
        [server.keys.userIngest, 'POST', `/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'intrusion' }],
        [server.keys.userIngest, 'POST', `/v1/sessions/${sessionId}/end`, {}],
      ]
      for (const [key, method, url, body] of routes) {
        const response = await server.call(method, url, { key, body })
        expectError(response, 404, 'SESSION_NOT_FOUND', { session_id: sessionId })
        // Indistinguishable from a session that does not exist.
        const missing = await server.call(method, url.replace(sessionId, unknown), { key, body })
        expect(response.body.replaceAll(sessionId, unknown), url).toBe(missing.body)
      }
      await expectUntouched(sessionId, 1)
    }
  })

  it('404, not 409, when a bound key starts a session whose id another user holds', async () => {
    for (const owner of [uuidv4(), null]) {
      const sessionId = await foreignSession(owner)
      const before = (await server.call('GET', `/v1/sessions/${sessionId}`)).data
      const response = await server.call('POST', '/v1/sessions', { key: server.keys.userIngest, body: { session_id: sessionId } })
      expectError(response, 404, 'SESSION_NOT_FOUND', { session_id: sessionId })
      expect((await server.call('GET', `/v1/sessions/${sessionId}`)).data).toEqual(before)
    }
  })

  it('health, readiness, OpenAPI and docs need no key', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await call(server.app, 'GET', url)).statusCode, url).toBe(200)
      expect((await call(server.app, 'GET', url, { key: 'pk_bogus' })).statusCode, url).toBe(200)
    }
  })
})
