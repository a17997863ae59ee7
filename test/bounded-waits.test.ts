import pg from 'pg'
import { expect, it } from 'vitest'
import { UnavailableError, ValidationError } from '../src/model/errors.js'
import { buildApp } from '../src/server/app.js'
import { createApiKey } from '../src/tracker/api-keys.js'
import { createTracker, type Tracker } from '../src/tracker/tracker.js'
import { describeEachBackend } from './support/backends.js'

const LOCK_TIMEOUT_MS = 2_000

describeEachBackend('bounded waits in the write path', (backend) => {
  it('refuses timeouts that are not whole milliseconds, naming the option', async () => {
    for (const [field, value] of [['lockTimeoutMs', -1], ['statementTimeoutMs', 1.5], ['lockTimeoutMs', Number.NaN]] as const) {
      const error = await createTracker({ database: 'memory:', [field]: value }).catch((e) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.field).toBe(field)
    }
  })

  if (backend.name !== 'postgres') return

  const lockSessions = async (url: string, sessionIds: string[]) => {
    const holder = new pg.Client({ connectionString: url })
    await holder.connect()
    await holder.query('begin')
    await holder.query('select * from conversation_sessions where session_id = any($1::uuid[]) for update', [sessionIds])
    return async () => {
      await holder.query('rollback')
      await holder.end()
    }
  }

  const withTracker = async (fn: (tracker: Tracker, url: string) => Promise<void>) => {
    const url = await backend.freshUrl()
    const tracker = await createTracker({ database: url, migrate: true, lockTimeoutMs: LOCK_TIMEOUT_MS })
    try {
      await fn(tracker, url)
    } finally {
      await tracker.close()
    }
  }

  it('with two sessions locked elsewhere, 100 writes to other sessions commit before the blocked writers hear 503 DATABASE_LOCK_TIMEOUT', async () => {
    await withTracker(async (tracker, url) => {
      const app = await buildApp({ tracker })
      const { key } = await createApiKey(tracker.database, { scope: 'admin' })
      const locked = [(await tracker.startSession({})).sessionId, (await tracker.startSession({})).sessionId]
      const others = await Promise.all(Array.from({ length: 100 }, async () => (await tracker.startSession({})).sessionId))
      const release = await lockSessions(url, locked)
      try {
        const started = Date.now()
        let blockedSettledAt = Infinity
        const blocked = locked.map((sessionId) =>
          app
            .inject({
              method: 'POST',
              url: `/v1/sessions/${sessionId}/messages`,
              headers: { authorization: `Bearer ${key}` },
              payload: { role: 'user', content: 'stuck behind a lock' },
            })
            .finally(() => (blockedSettledAt = Math.min(blockedSettledAt, Date.now()))),
        )
        // Queued in the same tick as the blocked writes: the same batch.
        const writes = others.map((sessionId) => tracker.addMessage({ sessionId, role: 'user', content: 'hello' }))
        const stored = await Promise.all(writes)
        const committedAt = Date.now()
        expect(stored).toHaveLength(100)
        expect(committedAt).toBeLessThan(blockedSettledAt)
        // A generous bound: nothing of the 100 waited for the lock.
        expect(committedAt - started).toBeLessThan(LOCK_TIMEOUT_MS)

        for (const response of await Promise.all(blocked)) {
          expect(response.statusCode, response.body).toBe(503)
          expect(response.headers['retry-after']).toBe('1')
          expect(response.json().error.code).toBe('DATABASE_LOCK_TIMEOUT')
        }
        expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 100)
      } finally {
        await release()
      }
      // The refused writes stored nothing; sent again, they are stored once.
      for (const sessionId of locked) {
        expect(await tracker.listMessages(sessionId)).toEqual([])
        await tracker.addMessage({ sessionId, role: 'user', content: 'stuck behind a lock' })
        expect(await tracker.listMessages(sessionId)).toHaveLength(1)
      }
      await app.close()
    })
  })

  it('a lock held briefly is waited for, and the write commits', async () => {
    await withTracker(async (tracker, url) => {
      const { sessionId } = await tracker.startSession({})
      const release = await lockSessions(url, [sessionId])
      const write = tracker.addMessage({ sessionId, role: 'user', content: 'after the lock' })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await release()
      const message = await write
      expect((await tracker.listMessages(sessionId)).map((m) => m.id)).toEqual([message.id])
    })
  })

  it('a statement over statement_timeout is cancelled with DATABASE_TIMEOUT', async () => {
    const url = await backend.freshUrl()
    const tracker = await createTracker({ database: url, migrate: true, statementTimeoutMs: 300 })
    try {
      const error = await tracker.database.query('select pg_sleep(5)').catch((e) => e)
      expect(error).toBeInstanceOf(UnavailableError)
      expect(error.code).toBe('DATABASE_TIMEOUT')
    } finally {
      await tracker.close()
    }
  })
})
