import { SignJWT } from 'jose'
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { buildApp } from '../../src/server/app.js'
import { describeEachBackend } from '../support/backends.js'
import { call, expectError, serverFixture, uuidv4, uuidv7 } from './support.js'

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes!'

describeEachBackend('strict input', (backend) => {
  const fixture = serverFixture(backend)
  const session = async () => (await fixture.call('POST', '/v1/sessions', { body: {} })).data.session_id as string

  const rawPost = (url: string, bytes: Buffer) =>
    fixture.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${fixture.keys.admin}`, 'content-type': 'application/json' },
      payload: bytes,
    })

  it('invalid UTF-8 in a body is a 400 naming the field it is in, and stores nothing', async () => {
    const sessionId = await session()
    const one = Buffer.concat([Buffer.from('{"role":"user","content":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])
    const response = await rawPost(`/v1/sessions/${sessionId}/messages`, one)
    expect(response.statusCode, response.body).toBe(400)
    expect(response.json().error).toMatchObject({ code: 'INVALID_UTF8', details: { field: 'content' } })

    const batch = Buffer.concat([
      Buffer.from('{"messages":[{"role":"user","content":"fine \uFFFD is a real character"},{"role":"user","content":"x","metadata":{"note":"'),
      Buffer.from([0xff]),
      Buffer.from('"}}]}'),
    ])
    const second = await rawPost(`/v1/sessions/${sessionId}/messages`, batch)
    expect(second.statusCode, second.body).toBe(400)
    expect(second.json().error.details.field).toBe('messages[1].metadata.note')
    expect((await fixture.call('GET', `/v1/sessions/${sessionId}/messages`)).data.messages).toEqual([])

    // Valid UTF-8, U+FFFD included, is stored as sent.
    const fine = await rawPost(`/v1/sessions/${sessionId}/messages`, Buffer.from('{"role":"user","content":"caf\u00e9 \uFFFD"}'))
    expect(fine.statusCode, fine.body).toBe(201)
  })

  it('the same message id with any other field is a 409 naming the fields that differ; the same message again is a retry', async () => {
    const sessionId = await session()
    const id = uuidv7()
    const message = { id, role: 'user', content: 'hello', created_at: '2026-01-02T03:04:05.678Z', audio_url: 'https://a.example/1.wav', metadata: { turn: 1 } }
    const url = `/v1/sessions/${sessionId}/messages`
    expect((await fixture.call('POST', url, { body: message })).statusCode).toBe(201)
    expect((await fixture.call('POST', url, { body: message })).statusCode).toBeLessThan(300)
    const { created_at: _, ...withoutDate } = message
    expect((await fixture.call('POST', url, { body: withoutDate })).statusCode, 'a retry without created_at').toBeLessThan(300)

    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ created_at: '2026-01-02T03:04:06.678Z' }, ['created_at']],
      [{ role: 'assistant' }, ['role']],
      [{ content: 'hello!' }, ['content']],
      [{ audio_url: null, metadata: { turn: 2 } }, ['audio_url', 'metadata']],
    ]
    for (const [change, differing] of cases) {
      const response = await fixture.call('POST', url, { body: { ...message, ...change } })
      const error = expectError(response, 409, 'MESSAGE_CONFLICT')
      expect(error.details.differing, JSON.stringify(change)).toEqual(differing)
      for (const field of differing) expect(error.message).toContain(field)
    }
    expect((await fixture.call('GET', url)).data.messages).toHaveLength(1)
  })

  it('a JWT without exp is refused, unless allowed', async () => {
    const token = await new SignJWT({ sub: uuidv4() }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(SECRET))
    for (const allowNoExp of [false, true]) {
      const app = await buildApp({ tracker: fixture.tracker, jwt: { secret: SECRET, allowNoExp } })
      try {
        const response = await call(app, 'GET', '/v1/sessions', { key: token })
        if (allowNoExp) expect(response.statusCode, response.body).toBe(200)
        else expect(expectError(response, 401, 'UNAUTHORIZED').message).toMatch(/exp/)
      } finally {
        await app.close()
      }
    }
  })

  it('a WebSocket from another page’s origin is refused; the same origin, listed origins and clients without Origin are let in', async () => {
    const app = await buildApp({ tracker: fixture.tracker, stream: { allowedOrigins: ['https://app.example'] } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const address = app.server.address() as { port: number }
      const base = `ws://127.0.0.1:${address.port}/v1/stream`
      const outcome = (origin?: string) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(base, {
            headers: { authorization: `Bearer ${fixture.keys.admin}` },
            ...(origin !== undefined && { origin }),
          })
          socket.on('open', () => {
            socket.close()
            resolve(101)
          })
          socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
          socket.on('error', () => resolve(0))
        })
      expect(await outcome('https://evil.example')).toBe(403)
      expect(await outcome('https://app.example')).toBe(101)
      expect(await outcome(`http://127.0.0.1:${address.port}`)).toBe(101)
      expect(await outcome()).toBe(101)
    } finally {
      await app.close()
    }
  })
})

describeEachBackend('export windows and long URLs', (backend) => {
  const fixture = serverFixture(backend)

  it('a bulk export with a date that is no real instant is a 400 naming it, in every format, before any byte of the file', async () => {
    for (const format of ['jsonl', 'json', 'csv', 'txt']) {
      for (const [field, query] of [
        ['from', 'from=2016-12-31T23:59:60Z'],
        ['from', 'from=0000-01-01T00:00:00Z'],
        ['to', 'to=2026-02-30T00:00:00Z'],
      ]) {
        const response = await fixture.call('GET', `/v1/export?format=${format}&${query}`)
        expect(response.statusCode, `${format} ${query}: ${response.body}`).toBe(400)
        expect(response.data.error.details.field).toBe(field)
      }
    }
  })

  it('an over-long URL is a 414 and over-long headers a 431, both in Parley’s error shape', async () => {
    const tooLong = await fixture.call('GET', `/v1/search?q=${'a'.repeat(9000)}`)
    expectError(tooLong, 414, 'URI_TOO_LONG')

    const app = await buildApp({ tracker: fixture.tracker })
    await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { port } = app.server.address() as { port: number }
      const response = await fetch(`http://127.0.0.1:${port}/v1/search?q=${'a'.repeat(20_000)}`, {
        headers: { authorization: `Bearer ${fixture.keys.admin}` },
      })
      expect(response.status).toBe(431)
      expect((await response.json()).error.code).toBe('HEADERS_TOO_LARGE')
    } finally {
      await app.close()
    }
  })
})
