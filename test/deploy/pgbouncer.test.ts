// Parley behind a real PgBouncer in transaction mode, as Supabase's port 6543
// is: with DIRECT_URL live events cross servers; without it the listener's
// probe fails, /readyz says so (still 200), the error is logged once, and the
// pooler's shared backend is left listening on nothing of Parley's.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/open-database.js'
import { migrate } from '../../src/migrations/migrator.js'
import { CHANGE_CHANNEL } from '../../src/server/stream/subscriptions.js'
import { ADMIN_URL } from '../support/backends.js'
import { buildDistIfStale, runCli } from '../support/cli.js'
import { serve, stop, type Served } from '../support/serve.js'
import { missingTools, startPgBouncer, type Bouncer } from '../support/throwaway.js'
import { connectStream } from '../server/ws-client.js'

const skip = missingTools()
const postgres = { name: 'postgres' as const }

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const readyz = async (served: Served) => (await (await fetch(`${served.base}/readyz`)).json()) as Record<string, unknown>

describe.skipIf(skip !== undefined)('behind PgBouncer in transaction mode', () => {
  const name = `parley_pgbouncer_${randomUUID().slice(0, 8)}`
  let bouncer: Bouncer
  let directUrl: string
  let pooledUrl: string
  let key: string
  const servers: Served[] = []

  beforeAll(async () => {
    buildDistIfStale()
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    directUrl = ADMIN_URL.replace(/\/[^/?]*(\?.*)?$/, `/${name}`)
    const database = await openDatabase(directUrl)
    await migrate(database)
    await database.close()
    const created = await runCli(['keys', 'create', '--scope', 'admin', '--database-url', directUrl])
    key = created.stdout.trim().split('\n').at(-1)!
    // One server connection: every client of the pooler shares the same backend, as a busy pooler's do in turn.
    bouncer = await startPgBouncer(Number(new URL(ADMIN_URL).port || 5432), 'transaction', 1)
    pooledUrl = `postgres://postgres@127.0.0.1:${bouncer.port}/${name}`
  }, 60_000)

  afterAll(async () => {
    for (const served of servers) await stop(served)
    await bouncer?.stop()
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    await admin.connect()
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  })

  it('with DIRECT_URL, an event written through one server reaches a subscriber of another', async () => {
    const env = { DIRECT_URL: directUrl }
    const a = await serve(postgres, pooledUrl, env)
    servers.push(a)
    const b = await serve(postgres, pooledUrl, env)
    servers.push(b)
    expect((await until(() => readyz(a), (body) => body.live_events === 'ok')).live_events).toBe('ok')
    expect((await until(() => readyz(b), (body) => body.live_events === 'ok')).live_events).toBe('ok')

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const started = await fetch(`${b.base}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ user_id: randomUUID() }) })
    const { session_id: sessionId } = (await started.json()) as { session_id: string }
    const subscriber = await connectStream(a.base, { key })
    try {
      expect((await subscriber.request({ type: 'subscribe', session_id: sessionId })).type).toBe('ack')
      const posted = await fetch(`${b.base}/v1/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ role: 'user', content: 'through the pooler' }),
      })
      expect(posted.status).toBe(201)
      const event = await subscriber.next((frame) => frame.type === 'message.created', 10_000)
      expect(event.message.content).toBe('through the pooler')
    } finally {
      await subscriber.close()
    }
    for (const served of servers.splice(0)) expect(await stop(served)).toBe(0)
  }, 120_000)

  it('without DIRECT_URL: live_events unavailable (still 200), one error naming DIRECT_URL, and nothing left listening on the pooler', async () => {
    const served = await serve(postgres, pooledUrl)
    servers.push(served)
    const body = await until(() => readyz(served), (value) => value.live_events === 'unavailable')
    expect(body).toMatchObject({ status: 'ready', live_events: 'unavailable' })
    expect((await fetch(`${served.base}/readyz`)).status).toBe(200)
    const report = await fetch(`${served.base}/v1/schema-report`, { headers: { authorization: `Bearer ${key}` } })
    expect(await report.json()).toMatchObject({ ok: true, live_events: 'unavailable' })

    // Retries happen (1 s, then 2 s) without another line.
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    const errors = served.stdout().split('\n').filter((line) => line.includes('live events are unavailable'))
    expect(errors, errors.join('\n')).toHaveLength(1)
    expect(errors[0]).toContain('DIRECT_URL')

    // A subscription is refused rather than acknowledged and left silent.
    const subscriber = await connectStream(served.base, { key })
    const refused = await subscriber.request({ type: 'subscribe', all: true })
    expect(refused.error.code).toBe('LIVE_EVENTS_UNAVAILABLE')
    await subscriber.close()
    expect(await stop(servers.pop()!)).toBe(0)

    // Another client of the pooler, on the same (only) backend, inside a transaction so it stays there.
    const other = new pg.Client({ connectionString: pooledUrl })
    await other.connect()
    const heard: string[] = []
    other.on('notification', (message) => heard.push(`${message.channel}: ${message.payload}`))
    try {
      await other.query('begin')
      const writer = new pg.Client({ connectionString: directUrl })
      await writer.connect()
      await writer.query('insert into conversation_sessions (user_id) values ($1)', [randomUUID()])
      await writer.query(`notify ${CHANGE_CHANNEL}, 'sent straight to the channel'`)
      await writer.end()
      await other.query('select pg_sleep(0.5)')
      await other.query('commit')
      expect(heard).toEqual([])
    } finally {
      await other.end()
    }
  }, 120_000)
})
