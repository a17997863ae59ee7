import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { adapters } from '../../src/import/adapters/index.js'
import { ImportError } from '../../src/import/import-error.js'
import { importFile, importSessions, parseImportFile } from '../../src/import/import-sessions.js'
import type { ImportedSession } from '../../src/import/types.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { fixture, fixturePath, FIXTURES } from './support.js'

/** Every row of both tables with its row version (xmin): any write, even of equal values, changes it. */
async function snapshot(database: Database) {
  const sessions = await database.query(`select xmin::text as version, * from conversation_sessions order by session_id`)
  const messages = await database.query(`select xmin::text as version, * from conversation_messages order by session_id, seq`)
  return { sessions: sessions.rows, messages: messages.rows }
}

async function sessionExists(database: Database, sessionId: string): Promise<boolean> {
  const { rows } = await database.query(`select 1 from conversation_sessions where session_id = $1`, [sessionId])
  return rows.length === 1
}

describeEachBackend('import', (backend) => {
  let database: Database
  let tracker: Tracker
  let dir: string

  beforeAll(async () => {
    database = await backend.migratedDatabase()
    tracker = await createTracker({ database })
    dir = await mkdtemp(join(tmpdir(), 'parley-import-'))
  })

  afterAll(async () => {
    await tracker?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('writes each fixture: the real start, end and reason, messages with their ids, times and order', async () => {
    for (const [platform, name] of FIXTURES) {
      const [expected] = await parseImportFile(platform, fixturePath(name))
      const summary = await importFile(tracker.database, platform, fixturePath(name))
      expect(summary, name).toEqual({ sessions: 1, messages: expected!.messages.length, unchanged: 0, failures: [] })

      const stored = await tracker.getSession(expected!.session.sessionId)
      expect(stored.startedAt, name).toEqual(expected!.session.startedAt)
      expect(stored.isActive, name).toBe(false)
      expect(stored.messageCount, name).toBe(expected!.messages.length)
      expect(stored.endedReason, name).toBe(expected!.session.endedReason)
      if (expected!.session.endedAt) {
        expect(stored.endedAt, name).toEqual(expected!.session.endedAt)
        expect(stored.durationSeconds, name).toBeCloseTo((expected!.session.endedAt.getTime() - expected!.session.startedAt.getTime()) / 1000, 3)
      }
      expect(stored.metadata, name).toEqual(JSON.parse(JSON.stringify(expected!.session.metadata)))

      const messages = await tracker.listMessages(expected!.session.sessionId, { limit: 1000 })
      expect(messages.map((m) => m.id), name).toEqual(expected!.messages.map((m) => m.id))
      expect(messages.map((m) => m.createdAt), name).toEqual(expected!.messages.map((m) => m.createdAt))
      expect(messages.map((m) => m.role), name).toEqual(expected!.messages.map((m) => m.role))
      expect(messages.map((m) => m.content), name).toEqual(expected!.messages.map((m) => m.content))
    }
  })

  it('exports back to the platform from what the database stored', async () => {
    for (const [platform, name] of FIXTURES.filter(([platform]) => platform !== 'parley')) {
      const [expected] = await parseImportFile(platform, fixturePath(name))
      const stored = await tracker.getSession(expected!.session.sessionId)
      const messages = await tracker.listMessages(stored.sessionId, { limit: 1000 })
      const fromDatabase: ImportedSession = {
        session: { ...expected!.session, startedAt: stored.startedAt, endedAt: expected!.session.endedAt && stored.endedAt, metadata: stored.metadata },
        messages: messages.map((m, index) => ({ ...expected!.messages[index]!, content: m.content, metadata: m.metadata, createdAt: m.createdAt, role: m.role })),
        pointer: '',
      }
      expect(adapters[platform].toPlatform([fromDatabase]), name).toEqual(fixture(name))
    }
  })

  it('importing the same files again changes nothing: no row written, not even with equal values', async () => {
    const before = await snapshot(database)
    for (const [platform, name] of FIXTURES) {
      const summary = await importFile(tracker.database, platform, fixturePath(name))
      expect(summary, name).toEqual({ sessions: 0, messages: 0, unchanged: 1, failures: [] })
    }
    expect(await snapshot(database)).toEqual(before)
  })

  it('a bad file fails alone, naming its path and the pointer of the bad field', async () => {
    const good = join(dir, 'good.json')
    const vapi = fixture('vapi-end-of-call-report.json') as { message: { call: { id: string } } }
    vapi.message.call.id = 'another-call-1'
    await writeFile(good, JSON.stringify(vapi))
    const notJson = join(dir, 'truncated.json')
    await writeFile(notJson, '{"message": {')

    const bad = await importFile(tracker.database, 'vapi', fixturePath('vapi-bad-time.json'))
    expect(bad.sessions).toBe(0)
    expect(bad.failures).toHaveLength(1)
    expect(bad.failures[0]).toBeInstanceOf(ImportError)
    expect(bad.failures[0]!.message).toContain('vapi-bad-time.json: /message/artifact/messages/3/time must be a time')

    const broken = await importFile(tracker.database, 'vapi', notJson)
    expect(broken.failures[0]!.message).toMatch(/truncated\.json: \(document\) is not JSON/)
    const missing = await importFile(tracker.database, 'vapi', join(dir, 'nowhere.json'))
    expect(missing.failures[0]!.message).toMatch(/nowhere\.json: \(document\) cannot be read: ENOENT/)

    expect(await importFile(tracker.database, 'vapi', good)).toMatchObject({ sessions: 1, messages: 7, failures: [] })
  })

  it('a session that fails midway leaves nothing behind, and the sessions after it still import', async () => {
    const [stored] = adapters.parley.parse(fixture('parley-export.json'), { path: 'x' })
    const reused = stored!.messages[1]!
    const first = '0194a1b2-0000-7000-8000-00000000aaa1'
    const failing = '0194a1b2-0000-7000-8000-00000000aaa2'
    const last = '0194a1b2-0000-7000-8000-00000000aaa3'
    const sessionOf = (sessionId: string, ids: string[]): ImportedSession => ({
      session: { ...stored!.session, sessionId },
      messages: ids.map((id, index) => ({ ...stored!.messages[index % 3]!, id, content: `turn ${index}`, pointer: `/sessions/0/messages/${index}` })),
      pointer: '/sessions/0',
    })
    const sessions = [
      sessionOf(first, ['0194a1b2-0000-7000-8000-0000000000b1']),
      // Its second message reuses a stored id with other content: the database refuses it after the session and first message went in.
      sessionOf(failing, ['0194a1b2-0000-7000-8000-0000000000c1', reused.id, '0194a1b2-0000-7000-8000-0000000000c3']),
      sessionOf(last, ['0194a1b2-0000-7000-8000-0000000000d1', '0194a1b2-0000-7000-8000-0000000000d2']),
    ]
    const summary = await importSessions(tracker.database, sessions, { path: 'mixed.json' })
    expect(summary).toMatchObject({ sessions: 2, messages: 3, unchanged: 0 })
    expect(summary.failures).toHaveLength(1)
    expect(summary.failures[0]!.message).toMatch(/^mixed\.json: \/sessions\/0\/messages\/1 is already stored .* with other content/)
    expect(await sessionExists(database, failing)).toBe(false)
    const { rows } = await database.query(`select count(*)::int as n from conversation_messages where id = '0194a1b2-0000-7000-8000-0000000000c1'`)
    expect(rows[0]).toEqual({ n: 0 })
    expect(await sessionExists(database, first)).toBe(true)
    expect((await tracker.getSession(last)).messageCount).toBe(2)
  })

  it('a Parley export of a session still going imports as still going, not ended', async () => {
    const document = fixture('parley-export.json') as { sessions: Array<{ session: Record<string, unknown>; messages: Array<Record<string, unknown>> }> }
    const entry = document.sessions[0]!
    const sessionId = '0194a1b2-c3d4-7e5f-8a6b-0000000000aa'
    entry.session = { ...entry.session, session_id: sessionId, ended_at: null, is_active: true, duration_seconds: null, ended_reason: null }
    entry.messages = entry.messages.map((message, index) => ({ ...message, session_id: sessionId, id: `0194a1b2-c3d4-7e5f-8a6b-0000000001a${index}` }))
    const path = join(dir, 'active.json')
    await writeFile(path, JSON.stringify(document))
    await importFile(tracker.database, 'parley', path)
    const stored = await tracker.getSession(sessionId)
    expect(stored).toMatchObject({ isActive: true, endedAt: null, messageCount: entry.messages.length })
    // Still going: the conversation goes on where the export left it.
    await tracker.addMessage({ sessionId, role: 'user', content: 'and one more thing' })
    expect((await tracker.endSession(sessionId)).messageCount).toBe(entry.messages.length + 1)
  })

  it('refuses what the tracker would refuse, pointing at the item of the file', async () => {
    const payload = fixture('openai-chat-messages.json') as Array<Record<string, unknown>>
    payload[5]!.content = 'nul \u0000 inside'
    const sessions = adapters['openai-chat'].parse(payload, { path: 'chat.json' })
    const summary = await importSessions(tracker.database, sessions, { path: 'chat.json' })
    expect(summary.failures[0]!.message).toMatch(/^chat\.json: \/5 cannot be stored: content: must not contain NUL/)
    expect(await sessionExists(database, sessions[0]!.session.sessionId)).toBe(false)
  })

  it('refuses two items with one id in a call, at the second one', async () => {
    const chat = fixture('vercel-ui-chat.json') as { id: string; messages: Array<{ id: string }> }
    chat.id = 'chat_with_twins'
    chat.messages[2]!.id = chat.messages[0]!.id
    const sessions = adapters['vercel-ui'].parse(chat, { path: 'twins.json' })
    const summary = await importSessions(tracker.database, sessions, { path: 'twins.json' })
    expect(summary.failures[0]!.message).toMatch(/^twins\.json: \/messages\/2\/parts\/0 has the same id as an earlier item/)
    expect(await sessionExists(database, sessions[0]!.session.sessionId)).toBe(false)
  })
})
