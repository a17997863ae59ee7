import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'

const SECRET = 'a-test-secret-of-at-least-32-bytes!!'
const secretKey = new TextEncoder().encode(SECRET)

function hs256(claims: Record<string, unknown>, options: { expiresIn?: string; notBefore?: string } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt()
  jwt = jwt.setExpirationTime(options.expiresIn ?? '5m')
  if (options.notBefore) jwt = jwt.setNotBefore(options.notBefore)
  return jwt.sign(secretKey)
}

// An unsigned token, which no configuration may accept.
function algNone(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 })}.`
}

describeEachBackend('JWT callers', (backend) => {
  let tracker: Tracker
  let app: FastifyInstance
  let adminKey: string
  const alice = randomUUID()
  const bob = randomUUID()

  beforeAll(async () => {
    const database = await backend.migratedDatabase()
    tracker = await createTracker({ database })
    app = await buildApp({ tracker, jwt: { secret: SECRET, issuer: 'https://auth.example', audience: 'authenticated' } })
    adminKey = (await createApiKey(database, { scope: 'admin' })).key
  })
  afterAll(async () => {
    await app?.close()
    await tracker?.close()
  })

  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload && { payload }) })
  const claimsFor = (sub: string) => ({ sub, iss: 'https://auth.example', aud: 'authenticated' })

  it('a signed-in user writes and reads its own sessions; its sub is the user id', async () => {
    const token = await hs256(claimsFor(alice))
    const started = await call(token, 'POST', '/v1/sessions', {})
    expect(started.statusCode).toBe(201)
    expect(started.json().user_id).toBe(alice)
    const sessionId = started.json().session_id as string
    const added = await call(token, 'POST', `/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'hi' })
    expect(added.statusCode).toBe(201)
    expect((await call(token, 'GET', `/v1/sessions/${sessionId}`)).json().message_count).toBe(1)
    const listed = await call(token, 'GET', '/v1/sessions')
    expect(listed.json().sessions.length).toBeGreaterThan(0)
    expect(listed.json().sessions.every((session: { user_id: string }) => session.user_id === alice)).toBe(true)
  })

  it('another user’s session answers 404, not 403, for every route', async () => {
    const bobs = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${adminKey}` },
      payload: { user_id: bob },
    })
    const sessionId = bobs.json().session_id as string
    const token = await hs256(claimsFor(alice))
    for (const [method, url, payload] of [
      ['GET', `/v1/sessions/${sessionId}`, undefined],
      ['GET', `/v1/sessions/${sessionId}/messages`, undefined],
      ['POST', `/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'intrusion' }],
      ['POST', `/v1/sessions/${sessionId}/end`, {}],
    ] as const) {
      const response = await call(token, method, url, payload)
      expect(response.statusCode, `${method} ${url}`).toBe(404)
      expect(response.json().error.code).toBe('SESSION_NOT_FOUND')
    }
    expect((await call(token, 'POST', '/v1/sessions', { user_id: bob })).statusCode).toBe(403)
    expect((await tracker.getSession(sessionId)).messageCount).toBe(0)
    expect((await tracker.getSession(sessionId)).isActive).toBe(true)
  })

  it('refuses a wrong signature, an expired or not-yet-valid token, alg none, and other issuers or audiences', async () => {
    const forged = await new SignJWT(claimsFor(alice))
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes'))
    const cases: Array<[string, string]> = [
      ['wrong signature', forged],
      ['expired', await hs256(claimsFor(alice), { expiresIn: '-1m' })],
      ['not yet valid', await hs256(claimsFor(alice), { notBefore: '10m' })],
      ['alg none', algNone(claimsFor(alice))],
      ['other issuer', await hs256({ ...claimsFor(alice), iss: 'https://evil.example' })],
      ['other audience', await hs256({ ...claimsFor(alice), aud: 'service_role' })],
      ['sub not a user id', await hs256(claimsFor('service'))],
    ]
    for (const [what, token] of cases) {
      const response = await call(token, 'GET', '/v1/sessions')
      expect(response.statusCode, what).toBe(401)
      expect(response.json().error.code, what).toBe('UNAUTHORIZED')
    }
  })
})

describeEachBackend('JWT callers with a JWKS', (backend) => {
  let tracker: Tracker
  let app: FastifyInstance
  let jwksServer: Server
  let privateKey: CryptoKey
  let publicJwk: JWK

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true })
    privateKey = pair.privateKey
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test', alg: 'RS256', use: 'sig' }
    jwksServer = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [publicJwk] }))
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const { port } = jwksServer.address() as AddressInfo
    tracker = await createTracker({ database: await backend.migratedDatabase() })
    app = await buildApp({ tracker, jwt: { jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` } })
  })
  afterAll(async () => {
    await app?.close()
    await tracker?.close()
    await new Promise((resolve) => jwksServer?.close(resolve))
  })

  it('accepts a token signed by the issuer’s key and refuses algorithm confusion and alg none', async () => {
    const user = randomUUID()
    const good = await new SignJWT({ sub: user })
      .setProtectedHeader({ alg: 'RS256', kid: 'test' })
      .setExpirationTime('5m')
      .sign(privateKey)
    const ok = await app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization: `Bearer ${good}` }, payload: {} })
    expect(ok.statusCode).toBe(201)
    expect(ok.json().user_id).toBe(user)
    // The classic confusion: HS256 "signed" with the public key as the secret.
    const confused = await new SignJWT({ sub: user })
      .setProtectedHeader({ alg: 'HS256', kid: 'test' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)))
    for (const token of [confused, algNone({ sub: user })]) {
      const refused = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { authorization: `Bearer ${token}` } })
      expect(refused.statusCode).toBe(401)
    }
  })
})
