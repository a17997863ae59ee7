// The data lifecycle: erasure with tombstones, retention, the audit log.
import { expect, it } from 'vitest'
import { ParleyClient } from '../src/client/index.js'
import { importSessions, parseImportFile } from '../src/import/index.js'
import { GoneError } from '../src/model/errors.js'
import { timeOrderedId } from '../src/model/time-ordered-id.js'
import { createApiKey, revokeApiKey } from '../src/tracker/api-keys.js'
import { startRetention } from '../src/server/retention.js'
import { PRUNE_LOCK } from '../src/tracker/lifecycle.js'
import { fixturePath } from './import/support.js'
import { expectError, serverFixture, uuidv4 } from './server/support.js'
import { describeEachBackend } from './support/backends.js'

describeEachBackend('data lifecycle', (backend) => {
  const server = serverFixture(backend)
  const tracker = () => server.tracker

  const conversation = async (userId: string, turns = 2) => {
    const session = await tracker().startSession({ userId })
    for (let turn = 0; turn < turns; turn++) await tracker().addMessage({ sessionId: session.sessionId, role: 'user', content: `turn ${turn}` })
    return session.sessionId
  }
  const rowsOf = async (userId: string) => {
    const sessions = await server.database.query<{ n: number }>('select count(*)::int as n from conversation_sessions where user_id = $1', [userId])
    const messages = await server.database.query<{ n: number }>('select count(*)::int as n from conversation_messages where user_id = $1', [userId])
    return { sessions: sessions.rows[0]!.n, messages: messages.rows[0]!.n }
  }

  it('erases every session and message of one user, and nobody else’s, in one call, audited', async () => {
    const [erased, kept] = [uuidv4(), uuidv4()]
    await conversation(erased, 3)
    await conversation(erased, 2)
    await conversation(kept, 4)
    const response = await server.call('DELETE', `/v1/users/${erased}`)
    expect(response.statusCode, response.body).toBe(200)
    expect(response.data).toEqual({ user_id: erased, sessions: 2, messages: 5 })
    expect(await rowsOf(erased)).toEqual({ sessions: 0, messages: 0 })
    expect(await rowsOf(kept)).toEqual({ sessions: 1, messages: 4 })
    const audit = await tracker().audit({ limit: 1000 })
    expect(audit.at(-1)).toMatchObject({ action: 'user.erased', target: `user:${erased}`, details: { sessions: 2, messages: 5 } })
    expect(audit.at(-1)!.actor).toMatch(/^key:pk_[0-9a-f]{8}$/)
    // Again: nothing left, nothing wrong.
    expect((await server.call('DELETE', `/v1/users/${erased}`)).data).toEqual({ user_id: erased, sessions: 0, messages: 0 })
  })

  it('keeps no content or id in the clear in its tombstones', async () => {
    const user = uuidv4()
    const sessionId = await conversation(user)
    await tracker().eraseUser(user)
    const { rows } = await server.database.query<Record<string, unknown>>('select * from parley.erased_sessions')
    expect(JSON.stringify(rows)).not.toContain(sessionId)
    expect(JSON.stringify(rows)).not.toContain(user)
    expect(rows.some((row) => typeof row.session_hash === 'string' && /^[0-9a-f]{64}$/.test(row.session_hash))).toBe(true)
  })

  it('answers 410 to any write that would bring an erased session back: start, a retried message, the SDK, an import', async () => {
    const user = uuidv4()
    const sessionId = await conversation(user)
    await tracker().eraseUser(user)
    await expect(tracker().startSession({ sessionId, userId: user })).rejects.toBeInstanceOf(GoneError)
    await expect(tracker().addMessage({ sessionId, role: 'user', content: 'again', id: timeOrderedId() })).rejects.toMatchObject({
      code: 'SESSION_ERASED',
    })
    expectError(await server.call('POST', '/v1/sessions', { body: { session_id: sessionId } }), 410, 'SESSION_ERASED')
    expectError(await server.call('POST', `/v1/sessions/${sessionId}/messages`, { body: { role: 'user', content: 'hi' } }), 410, 'SESSION_ERASED')
    // Raw SQL cannot either: the database refuses it.
    await expect(server.database.query('insert into conversation_sessions (session_id) values ($1)', [sessionId])).rejects.toMatchObject({
      code: 'SESSION_ERASED',
    })
    expect(await rowsOf(user)).toEqual({ sessions: 0, messages: 0 })
  })

  it('an erased imported call does not come back when the file is imported again', async () => {
    const user = uuidv4()
    const sessions = (await parseImportFile('vapi', fixturePath('vapi-end-of-call-report.json'))).map((imported) => ({
      ...imported,
      session: { ...imported.session, userId: user },
    }))
    expect(await importSessions(server.database, sessions)).toMatchObject({ sessions: 1, failures: [] })
    expect((await tracker().eraseUser(user)).sessions).toBe(1)
    const again = await importSessions(server.database, sessions)
    expect(again).toMatchObject({ sessions: 0, messages: 0 })
    expect(again.failures).toHaveLength(1)
    expect(again.failures[0]).toBeInstanceOf(GoneError)
    expect(await rowsOf(user)).toEqual({ sessions: 0, messages: 0 })
  })

  it('the SDK gives up at once on 410 (no retry would help), with GoneError', async () => {
    const user = uuidv4()
    const sessionId = await conversation(user)
    await tracker().eraseUser(user)
    let requests = 0
    const client = new ParleyClient({
      baseUrl: 'http://parley.test',
      apiKey: server.keys.admin,
      fetch: async (url, init) => {
        requests++
        const response = await server.app.inject({
          method: init.method as 'POST',
          url: url.replace('http://parley.test', ''),
          headers: init.headers as Record<string, string>,
          payload: init.body as string,
        })
        return new Response(response.body, { status: response.statusCode, headers: { 'content-type': 'application/json' } })
      },
    })
    await expect(client.addMessage({ sessionId, role: 'user', content: 'retry me' })).rejects.toBeInstanceOf(GoneError)
    expect(requests).toBe(1)
    await client.shutdown()
  })

  it('only admin keys erase and read the audit log', async () => {
    const user = uuidv4()
    await conversation(user)
    for (const key of [server.keys.read, server.keys.ingest, server.keys.userRead]) {
      expectError(await server.call('DELETE', `/v1/users/${user}`, { key }), 403, 'FORBIDDEN')
      expectError(await server.call('GET', '/v1/audit', { key }), 403, 'FORBIDDEN')
    }
    expect(await rowsOf(user)).toEqual({ sessions: 1, messages: 2 })
  })

  it('records key creation and revocation, and bulk exports, with the actor and without content', async () => {
    const { apiKey } = await createApiKey(server.database, { scope: 'read', name: 'auditor' })
    await revokeApiKey(server.database, apiKey.prefix, 'cli')
    const exported = await server.call('GET', '/v1/export?format=jsonl')
    expect(exported.statusCode).toBe(200)
    const response = await server.call('GET', '/v1/audit?limit=1000')
    expect(response.statusCode, response.body).toBe(200)
    const entries = response.data.entries as Array<{ action: string; target: string; actor: string }>
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'key.created', target: `key:pk_${apiKey.prefix}`, actor: 'cli' }),
        expect.objectContaining({ action: 'key.revoked', target: `key:pk_${apiKey.prefix}`, actor: 'cli' }),
        expect.objectContaining({ action: 'export.bulk', target: 'all users' }),
      ]),
    )
    expect(response.body).not.toContain('turn 0')
    // Paging: after the last id there is nothing more.
    const last = entries.at(-1) as unknown as { id: number }
    expect((await server.call('GET', `/v1/audit?after=${last.id}`)).data.entries).toEqual([])
    expect(entries.map((entry) => (entry as unknown as { id: number }).id)).toEqual([...entries.map((entry) => (entry as unknown as { id: number }).id)].sort((a, b) => a - b))
  })

  it('the audit log is append-only, for the owner too', async () => {
    await expect(server.database.query('delete from parley.audit_log')).rejects.toMatchObject({ code: 'AUDIT_APPEND_ONLY' })
    await expect(server.database.query(`update parley.audit_log set actor = 'someone else'`)).rejects.toMatchObject({ code: 'AUDIT_APPEND_ONLY' })
  })

  it('prunes ended sessions older than the cut-off in bounded batches; active and recent sessions stay; a dry run removes nothing', async () => {
    const user = uuidv4()
    const old = [await conversation(user, 2), await conversation(user, 1), await conversation(user, 3)]
    const oldButActive = await conversation(user, 1)
    const recent = await conversation(user, 1)
    for (const sessionId of [...old, recent]) await tracker().endSession(sessionId)
    const longAgo = new Date(Date.now() - 200 * 86_400_000)
    for (const sessionId of [...old, oldButActive]) {
      await server.database.query('update conversation_sessions set session_start = $2 where session_id = $1', [sessionId, longAgo.toISOString()])
    }
    for (const sessionId of old) {
      await server.database.query('update conversation_sessions set session_end = $2 where session_id = $1', [sessionId, new Date(longAgo.getTime() + 60_000).toISOString()])
    }
    const endedBefore = new Date(Date.now() - 90 * 86_400_000)
    expect(await tracker().prune({ endedBefore, dryRun: true })).toEqual({ sessions: 3, messages: 6, dryRun: true, ran: true })
    expect((await rowsOf(user)).sessions).toBe(5)
    expect(await tracker().prune({ endedBefore, batchSize: 2, actor: 'cli' })).toEqual({ sessions: 3, messages: 6, dryRun: false, ran: true })
    const left = await tracker().listSessions({ userId: user })
    expect(left.sessions.map((session) => session.sessionId).sort()).toEqual([oldButActive, recent].sort())
    expect((await tracker().audit({ limit: 1000 })).at(-1)).toMatchObject({ action: 'sessions.pruned', actor: 'cli', details: { sessions: 3, messages: 6 } })
    expect(await tracker().prune({ endedBefore })).toMatchObject({ sessions: 0, messages: 0 })
  })

  it('serve’s retention timer prunes on start and on its interval, and stops when asked', async () => {
    const user = uuidv4()
    const sessionId = await conversation(user, 1)
    await tracker().endSession(sessionId)
    const longAgo = new Date(Date.now() - 400 * 86_400_000).toISOString()
    await server.database.query('update conversation_sessions set session_start = $2, session_end = $2 where session_id = $1', [sessionId, longAgo])
    const lines: string[] = []
    const log = { info: (_: object, line: string) => lines.push(line), warn() {}, error() {}, debug() {} }
    const stop = startRetention(tracker(), { days: 365, log, intervalMs: 50 })
    for (let wait = 0; wait < 200 && (await rowsOf(user)).sessions > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 50))
    await stop()
    expect(await rowsOf(user)).toEqual({ sessions: 0, messages: 0 })
    expect(lines.some((line) => /^pruned \d+ sessions ended before /.test(line))).toBe(true)
    expect((await tracker().audit({ limit: 1000 })).some((entry) => entry.action === 'sessions.pruned' && entry.actor === 'retention')).toBe(true)
  })

  if (backend.name === 'postgres') {
    it('prunes in one process at a time: while another holds the prune lock, nothing is removed', async () => {
      const user = uuidv4()
      const sessionId = await conversation(user, 1)
      await tracker().endSession(sessionId)
      // Another replica's prune: the lock held by a transaction on another connection of the pool.
      await server.database.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1::bigint)', [PRUNE_LOCK])
        expect(await tracker().prune({ endedBefore: new Date(Date.now() + 60_000) })).toMatchObject({ ran: false, sessions: 0 })
        expect((await rowsOf(user)).sessions).toBe(1)
      })
      expect(await tracker().prune({ endedBefore: new Date(Date.now() + 60_000) })).toMatchObject({ ran: true })
      expect((await rowsOf(user)).sessions).toBe(0)
    })
  }
})
