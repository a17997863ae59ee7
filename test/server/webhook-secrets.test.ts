// Webhook signing secrets stored with `parley webhooks add` (through the
// function the command calls), verified by the routes on both backends.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { buildApp } from '../../src/server/app.js'
import { WEBHOOK_SECRET_CACHE_MS } from '../../src/server/webhooks/secret-source.js'
import { secretKeyFromBytes, type SecretKey } from '../../src/tracker/secret-box.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { addWebhookSecret, listWebhookSecrets, revokeWebhookSecret } from '../../src/tracker/webhook-secrets.js'
import { describeEachBackend } from '../support/backends.js'
import { expectError, type Response } from './support.js'
import { fixtureText, signElevenLabs, signRetell, signVapi, type Signed } from './webhooks-support.js'

type Platform = 'vapi' | 'retell' | 'elevenlabs'

// Real captured bodies, one per platform (test/fixtures/real/PROVENANCE.md).
const REAL: Record<Platform, string> = {
  vapi: fixtureText('real/vapi/2024-03-report-function-call.json'),
  retell: fixtureText('real/retell/call-analyzed-not-connected.json'),
  elevenlabs: fixtureText('real/elevenlabs/post-call-transcription-2025-11.json'),
}
const SIGN: Record<Platform, (body: string, at: number, secret: string) => Signed> = { vapi: signVapi, retell: signRetell, elevenlabs: signElevenLabs }
const signed = (platform: Platform, secret: string) => SIGN[platform](REAL[platform], Date.now(), secret)

// Past the cache of every server: what was added or revoked is seen.
const PAST_CACHE_MS = 1000

describeEachBackend('stored webhook secrets', (backend) => {
  let database: Database
  let tracker: Tracker
  let key: SecretKey
  let app: FastifyInstance
  const apps: FastifyInstance[] = []
  const ENV_RETELL = 'key_retell_from_env'

  const appWith = async (options: { secretKey?: SecretKey }) => {
    const built = await buildApp({ tracker, webhooks: { retell: ENV_RETELL }, ...options })
    apps.push(built)
    return built
  }
  const post = async (on: FastifyInstance, platform: Platform, request: Signed): Promise<Response> => {
    const response = await on.inject({
      method: 'POST',
      url: `/v1/webhooks/${platform}`,
      headers: { 'content-type': 'application/json', ...request.headers },
      payload: request.body,
    })
    return Object.assign(response, { data: response.json() }) as Response
  }

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    tracker = await createTracker({ database })
    key = secretKeyFromBytes(randomBytes(32))
    app = await appWith({ secretKey: key })
  })
  afterAll(async () => {
    for (const built of apps) await built.close()
    await tracker?.close()
  })

  it('the cache of stored secrets is shorter than a second', () => {
    expect(WEBHOOK_SECRET_CACHE_MS).toBeLessThan(PAST_CACHE_MS)
  })

  for (const platform of ['vapi', 'retell', 'elevenlabs'] as const) {
    it(`${platform}: an added secret accepts a signed real body within a second, a wrong one is 401, a revoked one is 401 within a second`, async () => {
      const secret = `whsec_${platform}_${randomBytes(12).toString('hex')}`
      // A server that has just looked (and cached what it saw) before the secret exists.
      const before = await post(app, platform, signed(platform, secret))
      expect(before.statusCode, before.body).toBe(401)

      const stored = await addWebhookSecret(database, key, { platform, secret, name: `${platform} prod` })
      await sleep(PAST_CACHE_MS)
      const accepted = await post(app, platform, signed(platform, secret))
      expect(accepted.statusCode, accepted.body).toBe(200)
      expect(accepted.data).toMatchObject({ ok: true })

      const wrong = await post(app, platform, signed(platform, `${secret}x`))
      expect(expectError(wrong, 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/does not match/)

      // Warm: the server has just accepted it, and holds it in its cache.
      expect((await post(app, platform, signed(platform, secret))).statusCode).toBe(200)
      const { alreadyRevoked } = await revokeWebhookSecret(database, stored.id)
      expect(alreadyRevoked).toBe(false)
      await sleep(PAST_CACHE_MS)
      const revoked = await post(app, platform, signed(platform, secret))
      expect(revoked.statusCode, revoked.body).toBe(401)
      expect(['WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_NOT_CONFIGURED']).toContain(revoked.data.error.code)
    })
  }

  it('several secrets of a platform are active at once (rotation), beside the environment’s', async () => {
    const old = `old_${randomBytes(8).toString('hex')}`
    const next = `new_${randomBytes(8).toString('hex')}`
    const first = await addWebhookSecret(database, key, { platform: 'retell', secret: old })
    await addWebhookSecret(database, key, { platform: 'retell', secret: next })
    await sleep(PAST_CACHE_MS)
    for (const secret of [old, next, ENV_RETELL]) {
      const response = await post(app, 'retell', signed('retell', secret))
      expect(response.statusCode, `${secret}: ${response.body}`).toBe(200)
    }
    await revokeWebhookSecret(database, first.id)
    await sleep(PAST_CACHE_MS)
    expectError(await post(app, 'retell', signed('retell', old)), 401, 'WEBHOOK_SIGNATURE_INVALID')
    expect((await post(app, 'retell', signed('retell', next))).statusCode).toBe(200)
    expect((await post(app, 'retell', signed('retell', ENV_RETELL))).statusCode).toBe(200)
  })

  it('a stored Vapi secret is also accepted as the legacy static x-vapi-secret', async () => {
    const secret = `static_${randomBytes(8).toString('hex')}`
    await addWebhookSecret(database, key, { platform: 'vapi', secret })
    await sleep(PAST_CACHE_MS)
    const ping = JSON.stringify({ message: { type: 'ping' } })
    expect((await post(app, 'vapi', { body: ping, headers: { 'x-vapi-secret': secret } })).statusCode).toBe(200)
    expectError(await post(app, 'vapi', { body: ping, headers: { 'x-vapi-secret': `${secret}-` } }), 401, 'WEBHOOK_SIGNATURE_INVALID')
  })

  it('refuses to add a secret already active for the platform', async () => {
    const secret = `dup_${randomBytes(8).toString('hex')}`
    const first = await addWebhookSecret(database, key, { platform: 'elevenlabs', secret })
    await expect(addWebhookSecret(database, key, { platform: 'elevenlabs', secret })).rejects.toMatchObject({ code: 'WEBHOOK_SECRET_EXISTS', message: expect.stringContaining(first.id) })
    // Another platform may hold the same text.
    await addWebhookSecret(database, key, { platform: 'vapi', secret })
  })

  it('lists name, platform, created and revoked, and the secret appears nowhere in the table or the list', async () => {
    const secret = `listed_${randomBytes(16).toString('hex')}`
    const stored = await addWebhookSecret(database, key, { platform: 'vapi', secret, name: 'listed one' })
    await revokeWebhookSecret(database, stored.id)
    const listed = (await listWebhookSecrets(database)).find((row) => row.id === stored.id)
    expect(listed).toEqual({ id: stored.id, platform: 'vapi', name: 'listed one', keyId: key.id, createdAt: expect.any(Date), revokedAt: expect.any(Date) })
    expect(listed!.revokedAt!.getTime()).toBeGreaterThanOrEqual(listed!.createdAt.getTime())
    const raw = await database.query('select * from parley.webhook_secrets')
    expect(JSON.stringify(raw.rows)).not.toContain(secret)
    expect(JSON.stringify(raw.rows)).not.toContain(Buffer.from(secret).toString('base64url'))
    const audit = await database.query<{ action: string; details: unknown }>(`select action, details from parley.audit_log where target = $1 order by id`, [`webhook_secret:${stored.id}`])
    expect(audit.rows).toEqual([
      { action: 'webhook_secret.added', details: { platform: 'vapi' } },
      { action: 'webhook_secret.revoked', details: { platform: 'vapi' } },
    ])
  })

  it('without PARLEY_SECRET_KEY, or with another, stored secrets do not open and the 401 says so; the environment’s still work', async () => {
    const secret = `sealed_${randomBytes(8).toString('hex')}`
    await addWebhookSecret(database, key, { platform: 'elevenlabs', secret })
    for (const other of [await appWith({}), await appWith({ secretKey: secretKeyFromBytes(randomBytes(32)) })]) {
      const refused = await post(other, 'elevenlabs', signed('elevenlabs', secret))
      expect(expectError(refused, 401, 'WEBHOOK_NOT_CONFIGURED').message).toMatch(/could not be opened: PARLEY_SECRET_KEY/)
      expect((await post(other, 'retell', signed('retell', ENV_RETELL))).statusCode).toBe(200)
    }
  })

  it('a sealed secret moved to another platform or row does not open there', async () => {
    const secret = `moved_${randomBytes(8).toString('hex')}`
    const stored = await addWebhookSecret(database, key, { platform: 'retell', secret })
    await database.query(`update parley.webhook_secrets set platform = 'vapi' where id = $1`, [stored.id])
    await sleep(PAST_CACHE_MS)
    const refused = await post(app, 'vapi', signed('vapi', secret))
    expect(expectError(refused, 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/could not be opened/)
    await revokeWebhookSecret(database, stored.id)
  })

  describe('bad input stores nothing', () => {
    it.each([
      [{ platform: 'twilio', secret: 's' }, 'platform'],
      [{ platform: 'vapi', secret: '' }, 'secret'],
      [{ platform: 'vapi', secret: '   ' }, 'secret'],
      [{ platform: 'vapi', secret: 's', name: 'n'.repeat(201) }, 'name'],
    ])('%j names %s', async (options, field) => {
      const count = (await listWebhookSecrets(database)).length
      await expect(addWebhookSecret(database, key, options)).rejects.toMatchObject({ field })
      expect((await listWebhookSecrets(database)).length).toBe(count)
    })
  })
})
