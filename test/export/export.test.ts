// `parley export` and the HTTP export routes on real databases: selection,
// files and stdout, bad input, who may export what, and paging through many messages.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import SrtParser from 'srt-parser-2'
import webvtt from 'webvtt-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { NotFoundError } from '../../src/model/errors.js'
import { ParleyClient } from '../../src/client/index.js'
import { messagePages } from '../../src/tracker/session-reads.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { buildDistIfStale, captureContext, runCli } from '../support/cli.js'
import { expectError, expectFieldError, serverFixture, uuidv4 } from '../server/support.js'

interface Seeded {
  /** The user's call with timed turns, ended. */
  a: string
  /** The user's later call. */
  b: string
  /** Another user's call, between the two. */
  c: string
}

async function seed(tracker: Tracker, user: string, other: string): Promise<Seeded> {
  const start = async (userId: string, startedAt: string) => (await tracker.startSession({ userId, startedAt })).sessionId
  const a = await start(user, '2026-02-01T09:00:00Z')
  await tracker.addMessages([
    { sessionId: a, role: 'user', content: 'Hello, "agent"\nline two', createdAt: '2026-02-01T09:00:01Z', metadata: { start_s: 1, end_s: 2.5 } },
    { sessionId: a, role: 'assistant', content: '=1+1 is two', createdAt: '2026-02-01T09:00:03Z' },
  ])
  await tracker.endSession(a, { reason: 'hangup' })
  const c = await start(other, '2026-02-05T09:00:00Z')
  await tracker.addMessage({ sessionId: c, role: 'user', content: 'private to the other user', createdAt: '2026-02-05T09:00:01Z' })
  const b = await start(user, '2026-02-10T09:00:00Z')
  await tracker.addMessage({ sessionId: b, role: 'user', content: 'second call', createdAt: '2026-02-10T09:00:02Z' })
  return { a, b, c }
}

const jsonLines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line))

describeEachBackend('parley export (CLI)', (backend) => {
  const user = uuidv4()
  const other = uuidv4()
  let url: string
  let dir: string
  let ids: Seeded

  beforeAll(async () => {
    buildDistIfStale()
    dir = await mkdtemp(join(tmpdir(), 'parley-export-'))
    url = await backend.freshUrl()
    const tracker = await createTracker({ database: url, migrate: true })
    try {
      ids = await seed(tracker, user, other)
    } finally {
      await tracker.close()
    }
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const exportRun = async (...args: string[]) => {
    const context = captureContext()
    const code = await main(['export', ...args, '--database-url', url], context)
    return { code, out: context.out(), err: context.err() }
  }

  it('writes one session as JSON Lines to stdout, in conversation order, nothing on stderr off a terminal', async () => {
    const run = await exportRun('--format', 'jsonl', '--session', ids.a)
    expect(run).toMatchObject({ code: 0, err: '' })
    const messages = jsonLines(run.out)
    expect(messages.map((m) => [m.session_id, m.role, m.content, m.seq > 0])).toEqual([
      [ids.a, 'user', 'Hello, "agent"\nline two', true],
      [ids.a, 'assistant', '=1+1 is two', true],
    ])
    expect(messages[0].seq).toBeLessThan(messages[1].seq)
    expect(messages[0].metadata).toEqual({ start_s: 1, end_s: 2.5 })
  })

  it('writes a user’s sessions, oldest first, to --out in the parley format; no partial file is left', async () => {
    const out = join(dir, 'user.json')
    const run = await exportRun('--format', 'json', '--user-id', user.toUpperCase(), '--out', out)
    expect(run).toMatchObject({ code: 0, out: '', err: '' })
    const document = JSON.parse(await readFile(out, 'utf8'))
    expect(document).toMatchObject({ format: 'parley', version: 1 })
    expect(document.sessions.map((s: any) => [s.session.session_id, s.session.user_id, s.messages.length])).toEqual([
      [ids.a, user, 2],
      [ids.b, user, 1],
    ])
    expect(document.sessions[0].session).toMatchObject({ is_active: false, ended_reason: 'hangup', message_count: 2 })
    expect((await readdir(dir)).filter((name) => name.includes('partial'))).toEqual([])
  })

  it('the parley format round-trips: parley import --from parley, exported again, is the same document', async () => {
    const first = join(dir, 'round-trip.json')
    expect((await exportRun('--format', 'json', '--user-id', user, '--out', first)).code).toBe(0)
    const target = await backend.freshUrl()
    expect(await main(['migrate', '--database-url', target], captureContext())).toBe(0)
    const imported = captureContext()
    expect(await main(['import', '--from', 'parley', first, '--database-url', target], imported), imported.err()).toBe(0)
    const again = captureContext()
    expect(await main(['export', '--format', 'json', '--database-url', target], again)).toBe(0)
    const [before, after] = [JSON.parse(await readFile(first, 'utf8')), JSON.parse(again.out())]
    // seq is the target database's own counter (same order, other numbers); how an import ends a session is the importer's rule.
    const kept = (document: any) =>
      document.sessions.map((s: any) => ({
        session: [s.session.session_id, s.session.user_id, s.session.started_at, s.session.metadata, s.session.message_count],
        messages: s.messages.map(({ seq: _, ...m }: any) => m),
      }))
    expect(kept(after)).toEqual(kept(before))
    expect(kept(after)).toHaveLength(2)
  })

  it('selects by start time with --from/--to, whoever the user', async () => {
    const run = await exportRun('--format', 'csv', '--from', '2026-02-04', '--to', '2026-02-11T00:00:00Z')
    expect(run.code).toBe(0)
    const rows = parseCsv(run.out, { columns: true }) as Array<Record<string, string>>
    expect(rows.map((row) => [row.session_id, row.content])).toEqual([
      [ids.c, 'private to the other user'],
      [ids.b, 'second call'],
    ])
    const none = await exportRun('--format', 'csv', '--from', '2030-01-01')
    expect(parseCsv(none.out)).toEqual([['session_id', 'seq', 'message_id', 'created_at', 'role', 'content', 'audio_url', 'user_id', 'metadata']])
  })

  it('writes captions of one session that parse, timed by start_s/end_s and created_at', async () => {
    const out = join(dir, 'a.vtt')
    expect((await exportRun('--format', 'vtt', '--session', ids.a, '--out', out)).code).toBe(0)
    const vtt = new webvtt.WebVTTParser().parse(await readFile(out, 'utf8'))
    expect(vtt.errors).toEqual([])
    // The assistant's turn starts 3 s in; nothing follows it and the session ended long after: shown 2 s.
    expect(vtt.cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
      [1, 2.5],
      [3, 5],
    ])
    const srt = new SrtParser().fromSrt((await exportRun('--format', 'srt', '--session', ids.a)).out)
    expect(srt.map((cue) => cue.text)).toEqual(['User: Hello, "agent"\nline two', 'Assistant: =1+1 is two'])
  })

  it('answers bad input with one line naming the option, exit 2, and writes nothing', async () => {
    const out = join(dir, 'never.json')
    const cases: Array<[string[], RegExp]> = [
      [['--format', 'xlsx'], /^parley: --format: must be one of json, jsonl, csv, vtt, srt, txt, openai, vercel-ui; got "xlsx"$/],
      [['--session', 'not-a-uuid'], /^parley: --session: must be a UUID/],
      [['--user-id', '42'], /^parley: --user-id: must be a UUID/],
      [['--from', 'yesterday'], /^parley: --from: must be an ISO 8601 date/],
      [['--from', '2026-02-02', '--to', '2026-02-01'], /^parley: --to: must be after --from$/],
      [['--format', 'vtt', '--user-id', user], /^parley: --format: vtt holds one conversation: pass --session ID$/],
      [['--format', 'openai'], /^parley: --format: openai holds one conversation/],
      [['--session', ids.a, '--user-id', user], /^parley: --session: exports one session; leave out --user-id$/],
      [['--session', ids.a, '--out', join(dir, 'no', 'such', 'folder.json')], /^parley: --out: the folder .* does not exist$/],
      [['--session', ids.a, '--out', tmpdir()], /^parley: --out: .* is a folder; name a file in it$/],
    ]
    for (const [args, message] of cases) {
      const run = await exportRun(...args, ...(args.includes('--out') ? [] : ['--out', out]))
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.out, args.join(' ')).toBe('')
      expect(run.err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1)
      expect(run.err.trimEnd(), args.join(' ')).toMatch(message)
    }
    expect(existsSync(out)).toBe(false)
  })

  it('writes to a device such as /dev/null in place, never beside it', async () => {
    const run = await exportRun('--format', 'jsonl', '--session', ids.a, '--out', '/dev/null')
    expect(run).toMatchObject({ code: 0, out: '', err: '' })
    expect((await readdir('/dev')).filter((name) => name.startsWith('null.'))).toEqual([])
  })

  it('shows progress on stderr when it is a terminal, and still writes only the export to stdout', async () => {
    const context = captureContext()
    Object.assign(context.stderr, { isTTY: true })
    expect(await main(['export', '--format', 'jsonl', '--user-id', user, '--database-url', url], context)).toBe(0)
    expect(context.err()).toMatch(/\rexported 3 messages from 2 sessions\n$/)
    expect(jsonLines(context.out())).toHaveLength(3)
  })

  it('a session that does not exist fails with one line and leaves no file', async () => {
    const out = join(dir, 'missing.json')
    const missing = uuidv4()
    const run = await exportRun('--session', missing, '--out', out)
    expect(run.code).toBe(1)
    expect(run.err).toBe(`parley: session ${missing} does not exist\n`)
    expect(existsSync(out)).toBe(false)
    expect((await readdir(dir)).filter((name) => name.includes('partial'))).toEqual([])
  })

  it('the real binary streams plain text to its stdout', async () => {
    const run = await runCli(['export', '--format', 'txt', '--user-id', user, '--database-url', url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^# Session ${ids.a} · user ${user} · started 2026-02-01T09:00:00.000Z · ended `))
    expect(lines.slice(1, 4)).toEqual(['User: Hello, "agent"', '  line two', 'Assistant: =1+1 is two'])
    expect(lines.at(-1)).toBe('User: second call')
  })
})

describeEachBackend('HTTP export', (backend) => {
  const server = serverFixture(backend)
  const other = uuidv4()
  let ids: Seeded
  let long: string
  const LONG_MESSAGES = 2500

  beforeAll(async () => {
    ids = await seed(server.tracker, server.user, other)
    long = (await server.tracker.startSession({ userId: other })).sessionId
    for (let from = 0; from < LONG_MESSAGES; from += 500) {
      const batch = Array.from({ length: 500 }, (_, index) => ({ sessionId: long, role: 'user' as const, content: `turn ${from + index}` }))
      await server.tracker.addMessages(batch)
    }
  })

  it('streams a session in each format with its content type and a download name', async () => {
    const expected: Array<[string, RegExp, string]> = [
      ['json', /^application\/json/, 'json'],
      ['jsonl', /^application\/x-ndjson/, 'jsonl'],
      ['csv', /^text\/csv/, 'csv'],
      ['vtt', /^text\/vtt/, 'vtt'],
      ['srt', /^application\/x-subrip/, 'srt'],
      ['txt', /^text\/plain/, 'txt'],
      ['openai', /^application\/json/, 'openai.json'],
      ['vercel-ui', /^application\/json/, 'ui.json'],
    ]
    for (const [format, type, extension] of expected) {
      const response = await server.call('GET', `/v1/sessions/${ids.a}/export?format=${format}`, { key: server.keys.read })
      expect(response.statusCode, `${format} ${response.body}`).toBe(200)
      expect(response.headers['content-type']).toMatch(type)
      expect(response.headers['content-disposition']).toBe(`attachment; filename="parley-${ids.a}.${extension}"`)
      expect(response.body).toContain('=1+1 is two')
    }
    const json = await server.call('GET', `/v1/sessions/${ids.a}/export`)
    expect(json.data.sessions[0].messages.map((m: any) => m.role)).toEqual(['user', 'assistant'])
    const openai = await server.call('GET', `/v1/sessions/${ids.a}/export?format=openai`)
    expect(openai.data).toEqual([
      { role: 'user', content: 'Hello, "agent"\nline two' },
      { role: 'assistant', content: '=1+1 is two' },
    ])
  })

  it('a user-bound key exports its own sessions; another user’s is 404, as everywhere', async () => {
    const own = await server.call('GET', `/v1/sessions/${ids.a}/export?format=txt`, { key: server.keys.userRead })
    expect(own.statusCode).toBe(200)
    expectError(await server.call('GET', `/v1/sessions/${ids.c}/export?format=txt`, { key: server.keys.userRead }), 404, 'SESSION_NOT_FOUND')
    expectError(await server.call('GET', `/v1/sessions/${uuidv4()}/export`), 404, 'SESSION_NOT_FOUND')
    expectError(await server.call('GET', `/v1/sessions/${ids.a}/export`, { key: server.keys.ingest }), 403, 'FORBIDDEN')
    expectError(await server.call('GET', `/v1/sessions/${ids.a}/export`, { key: null }), 401, 'UNAUTHORIZED')
    expectFieldError(await server.call('GET', `/v1/sessions/${ids.a}/export?format=xlsx`), 'format', 'querystring')
    const openapi = await server.call('GET', '/openapi.json', { key: null })
    expect(Object.keys(openapi.data.paths)).toEqual(expect.arrayContaining(['/v1/sessions/{session_id}/export', '/v1/export']))
    // The 200s say what comes back: a file in each format's media type.
    const oneSession = openapi.data.paths['/v1/sessions/{session_id}/export'].get.responses['200'].content
    expect(Object.keys(oneSession).sort()).toEqual(['application/json', 'application/x-ndjson', 'application/x-subrip', 'text/csv', 'text/plain', 'text/vtt'])
    const many = openapi.data.paths['/v1/export'].get.responses['200'].content
    expect(Object.keys(many).sort()).toEqual(['application/json', 'application/x-ndjson', 'text/csv', 'text/plain'])
  })

  it('GET /v1/export: JSON Lines by user and time; a bound key sees only its user', async () => {
    const lines = async (query: string, key = server.keys.read) => {
      const response = await server.call('GET', `/v1/export?${query}`, { key })
      expect(response.statusCode, response.body).toBe(200)
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/)
      expect(response.headers['content-disposition']).toBe('attachment; filename="parley-export.jsonl"')
      return response.body === '' ? [] : jsonLines(response.body)
    }
    const byUser = await lines(`user_id=${server.user}`)
    expect(byUser.map((m) => [m.session_id, m.content])).toEqual([
      [ids.a, 'Hello, "agent"\nline two'],
      [ids.a, '=1+1 is two'],
      [ids.b, 'second call'],
    ])
    const window = await lines('from=2026-02-04T00:00:00Z&to=2026-02-11T00:00:00Z')
    expect(window.map((m) => m.session_id)).toEqual([ids.c, ids.b])
    // A bound key without user_id still gets only its own user's messages.
    const bound = await lines('format=jsonl', server.keys.userRead)
    expect(new Set(bound.map((m) => m.user_id))).toEqual(new Set([server.user]))
    expect(bound).toHaveLength(3)
    expectError(await server.call('GET', `/v1/export?user_id=${other}`, { key: server.keys.userRead }), 403, 'USER_MISMATCH')
    expectFieldError(await server.call('GET', '/v1/export?format=vtt'), 'format')
    expectFieldError(await server.call('GET', '/v1/export?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z'), 'to')
    expectFieldError(await server.call('GET', '/v1/export?user_id=nope'), 'user_id', 'querystring')
  })

  it('streams a long session page by page, every message once and in order', async () => {
    const pages: number[] = []
    for await (const page of messagePages(server.database, long)) pages.push(page.length)
    expect(pages).toEqual([1000, 1000, 500])
    const response = await server.call('GET', `/v1/sessions/${long}/export?format=jsonl`)
    const messages = jsonLines(response.body)
    expect(messages).toHaveLength(LONG_MESSAGES)
    expect(messages.map((m) => m.content)).toEqual(Array.from({ length: LONG_MESSAGES }, (_, index) => `turn ${index}`))
    expect(new Set(messages.map((m) => m.id)).size).toBe(LONG_MESSAGES)
    const csv = parseCsv((await server.call('GET', `/v1/sessions/${long}/export?format=csv`)).body, { columns: true })
    expect(csv).toHaveLength(LONG_MESSAGES)
  })

  describe('client SDK', () => {
    let baseUrl: string
    beforeAll(async () => {
      baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' })
    })

    it('exportSession downloads an export as text; another user’s session is NotFoundError', async () => {
      const client = new ParleyClient({ baseUrl, apiKey: server.keys.userRead })
      const srt = new SrtParser().fromSrt(await client.exportSession(ids.a, 'srt'))
      expect(srt.map((cue) => [cue.startSeconds, cue.endSeconds, cue.text])).toEqual([
        [1, 2.5, 'User: Hello, "agent"\nline two'],
        [3, 5, 'Assistant: =1+1 is two'],
      ])
      const document = JSON.parse(await client.exportSession(ids.a))
      expect(document.sessions[0].session.session_id).toBe(ids.a)
      await expect(client.exportSession(ids.c, 'json')).rejects.toBeInstanceOf(NotFoundError)
      await client.shutdown({ timeoutMs: 1000 })
    })
  })
})
