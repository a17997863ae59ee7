// SIGTERM while a write waits on a row lock held elsewhere: the wait is
// cancelled before the deadline, the caller hears a retryable 503, the
// process exits 0, and nothing commits once the process has answered.
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { describeEachBackend } from '../support/backends.js'
import { captureContext } from '../support/cli.js'
import { firstAdminKey, serve, type Served } from '../support/serve.js'
import { buildDistIfStale, uuidv7 } from './support.js'

describeEachBackend('parley serve stops gracefully', (backend) => {
  it('refuses a lock or statement timeout that is not whole milliseconds, naming the variable, before opening anything', async () => {
    for (const [name, value] of [['PARLEY_LOCK_TIMEOUT_MS', '5s'], ['PARLEY_STATEMENT_TIMEOUT_MS', '-1'], ['PARLEY_LOCK_TIMEOUT_MS', '99999999999']]) {
      const context = captureContext({ [name!]: value })
      expect(await main(['serve', '--database-url', 'memory:', '--port', '0'], context)).toBe(2)
      expect(context.err()).toContain(name)
      expect(context.err()).not.toMatch(/\n\s+at /)
    }
  })

  // PGlite has one connection in one process: no other transaction can hold a lock there.
  if (backend.name !== 'postgres') return

  let url: string
  let served: Served | undefined
  beforeAll(async () => {
    buildDistIfStale()
    url = await backend.freshUrl()
  })
  afterAll(() => {
    if (served?.child.exitCode === null) served.child.kill('SIGKILL')
  })

  it('a write waiting on a lock when SIGTERM comes is cancelled: 503 with Retry-After, exit 0, and the row never commits', async () => {
    // A lock timeout far past the shutdown deadline: only the shutdown may end this wait.
    served = await serve(backend, url, { PARLEY_LOCK_TIMEOUT_MS: '120000', PARLEY_STATEMENT_TIMEOUT_MS: '0' })
    const key = firstAdminKey(served)
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const started = await fetch(`${served.base}/v1/sessions`, { method: 'POST', headers, body: '{}' })
    expect(started.status).toBe(201)
    const sessionId = ((await started.json()) as { session_id: string }).session_id

    const holder = new pg.Client({ connectionString: url })
    await holder.connect()
    try {
      await holder.query('begin')
      await holder.query('select * from conversation_sessions where session_id = $1 for update', [sessionId])
      const id = uuidv7()
      const answer = fetch(`${served.base}/v1/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id, role: 'user', content: 'waiting on a lock' }),
      })
      // The write is in: some backend of the server waits on the holder's lock.
      let waiting = 0
      for (let i = 0; i < 200 && waiting === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        const { rows } = await holder.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        )
        waiting = rows[0].n
      }
      expect(waiting).toBeGreaterThan(0)

      served.child.kill('SIGTERM')
      const response = await answer
      expect(response.status).toBe(503)
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      const body = (await response.json()) as { error: { code: string } }
      expect(body.error.code).toBe('SHUTTING_DOWN')
      expect(await served.exited, served.stderr() + served.stdout()).toBe(0)
      expect(served.stderr()).not.toMatch(/killed by timeout/)

      await holder.query('rollback')
      // A backend whose client is gone may still be waiting to run; let every other one of this database end first.
      for (let i = 0; i < 100; i++) {
        const { rows } = await holder.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)
        if (rows[0].n === 0) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const { rows } = await holder.query('select count(*)::int as n from conversation_messages where id = $1', [id])
      expect(rows[0].n).toBe(0)
    } finally {
      await holder.end()
    }
  })
})
