// Signing as each platform signs (from their SDKs and docs, written again
// here so a mistake in src/ cannot hide in a shared helper), and an app with
// test secrets on a backend's database.
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { adapters } from '../../src/import/adapters/index.js'
import { checkImportedSession } from '../../src/import/write-session.js'
import type { Platform } from '../../src/import/types.js'
import { DEFAULT_LIMITS } from '../../src/model/limits.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import type { TestBackend } from '../support/backends.js'
import type { Response } from './support.js'

export const SECRETS = { vapi: 'vapi-test-secret', retell: 'key_retell_test', elevenlabs: 'wsec_elevenlabs_test' }

const fixtures = join(import.meta.dirname, '..', 'fixtures')

/** A fixture's text, as captured. */
export function fixtureText(path: string): string {
  return readFileSync(join(fixtures, path), 'utf8')
}

export type Signed = { body: string; headers: Record<string, string> }

export function signVapi(body: string, at = Date.now(), secret = SECRETS.vapi): Signed {
  const digest = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')
  return { body, headers: { 'x-signature': digest, 'x-timestamp': String(at) } }
}

export function signRetell(body: string, at = Date.now(), secret = SECRETS.retell): Signed {
  const digest = createHmac('sha256', secret).update(body + at).digest('hex')
  return { body, headers: { 'x-retell-signature': `v=${at},d=${digest}` } }
}

export function signElevenLabs(body: string, at = Date.now(), secret = SECRETS.elevenlabs): Signed {
  const t = Math.floor(at / 1000)
  const digest = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  return { body, headers: { 'elevenlabs-signature': `t=${t},v0=${digest}` } }
}

export interface WebhookFixture {
  database: Database
  tracker: Tracker
  app: FastifyInstance
  /** POSTs a signed body to `/v1/webhooks/<platform>`. */
  post(platform: 'vapi' | 'retell' | 'elevenlabs', signed: Signed): Promise<Response>
}

export function webhookFixture(backend: TestBackend): WebhookFixture {
  const fixture = {} as WebhookFixture
  beforeAll(async () => {
    fixture.database = await backend.migratedDatabase()
    fixture.tracker = await createTracker({ database: fixture.database })
    fixture.app = await buildApp({ tracker: fixture.tracker, webhooks: SECRETS, logger: process.env.WEBHOOK_TEST_LOG === '1' })
    fixture.post = async (platform, signed) => {
      const response = await fixture.app.inject({
        method: 'POST',
        url: `/v1/webhooks/${platform}`,
        headers: { 'content-type': 'application/json', ...signed.headers },
        payload: signed.body,
      })
      let data: unknown
      try {
        data = response.json()
      } catch {
        data = undefined
      }
      return Object.assign(response, { data }) as Response
    }
  })
  afterAll(async () => {
    await fixture.app?.close()
    await fixture.tracker?.close()
  })
  return fixture
}

/** The rows `parley import` makes of a payload: what a converged session must hold, in order. */
export function expectedRows(platform: Platform, payload: unknown) {
  const [imported] = adapters[platform].parse(payload, { path: 'expected' })
  const { start, messages, endedAt } = checkImportedSession(imported!, 'expected', DEFAULT_LIMITS)
  return {
    sessionId: start.sessionId!,
    startedAt: start.startedAt!,
    endedAt,
    endedReason: imported!.session.endedReason,
    metadata: start.metadata,
    rows: messages.map((message) => ({ id: message.id, role: message.role, content: message.content, metadata: message.metadata, createdAt: message.createdAt })),
  }
}

/** A session's rows as stored, in conversation order, in the shape `expectedRows` gives. */
export async function storedRows(tracker: Tracker, sessionId: string) {
  const messages = await tracker.listMessages(sessionId, { limit: 1000 })
  return messages.map((message) => ({ id: message.id, role: message.role, content: message.content, metadata: message.metadata, createdAt: message.createdAt }))
}
