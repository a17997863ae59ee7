// Every export format's exact output, pinned in files under
// __snapshots__/exact/: sessions that reach past a minute and an hour, cues at
// their edges (negative, zero-length, out of order, blank), empty pages and
// sessions, tool calls in each arrangement the chat formats distinguish, and
// the table of formats. A parser that reads a format leniently (a missing
// blank line between SRT cues) cannot fail a change that these files catch.
// After a deliberate change, refresh with `npx vitest run test/export/exact-output.test.ts -u`
// and read the diff.
import { describe, expect, it } from 'vitest'
import { EXPORT_FORMAT_NAMES, exportFormat, type ExportFormatName } from '../../src/export/formats/index.js'
import { ValidationError } from '../../src/model/errors.js'
import type { Message, Metadata, Role, Session, SessionExport } from '../../src/model/types.js'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

function session(id: number, overrides: Partial<Session> = {}): Session {
  return {
    sessionId: `0195a0b0-0000-7000-8000-00000000000${id}`,
    userId: '0195a0b0-0000-7000-8000-0000000000aa',
    startedAt: T0,
    endedAt: at(20),
    isActive: false,
    durationSeconds: 20,
    topicsDiscussed: [],
    metadata: {},
    messageCount: 0,
    endedReason: null,
    ...overrides,
  }
}

/** The sessions of the fixture, built anew for each run (their pages can be read once). */
function scenarios(): SessionExport[] {
  let seq = 0
  const message = (s: Session, role: Role, content: string, seconds: number, metadata: Metadata = {}): Message => {
    seq++
    return {
      id: `0195a0b0-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      sessionId: s.sessionId,
      userId: s.userId,
      role,
      content,
      audioUrl: role === 'user' ? `https://audio.example/${seq}.wav` : null,
      metadata,
      createdAt: new Date(s.startedAt.getTime() + seconds * 1000),
      seq,
    }
  }
  const exported = (s: Session, pages: Message[][]): SessionExport => ({
    session: s,
    pages: (async function* () {
      yield* pages
    })(),
  })

  // A call: timed and untimed turns, a tool call and result, system text, text a spreadsheet or a caption player would misread.
  const call = session(1, { endedAt: at(20), endedReason: 'hangup' })
  const callPages = [
    [message(call, 'user', 'Hello, I need help', 0.4, { start_s: 0.5, end_s: 2 }), message(call, 'assistant', 'Sure, "happy" to help.\r\n\r\nWhat is it?', 3)],
    [],
    [
      message(call, 'tool', 'lookup({"id":7})', 3.8, { tool: { kind: 'call', call_id: 'call_1', name: 'lookup', arguments: '{"id":7}' } }),
      message(call, 'tool', '{"ok":true}', 4, { tool: { kind: 'result', call_id: 'call_1', name: 'lookup' } }),
      message(call, 'system', 'You are helpful', 4.5),
    ],
    [message(call, 'user', '=SUM(A1:A2)', 5), message(call, 'assistant', '-1 + @x <b>&amp; --> done >', 6.5, { start_s: 7, end_s: 9 })],
    [message(call, 'user', '+1\ttab', 9.5), message(call, 'user', '\tindented', 10)],
  ]

  // A long call, no user, still open: times past a minute and an hour, each cue's end from what follows.
  const long = session(2, { userId: null, endedAt: null, isActive: true, metadata: { channel: 'phone' } })
  const longPages = [
    [
      message(long, 'user', 'at a minute', 59.9996),
      message(long, 'assistant', 'past it', 61.25),
      message(long, 'user', 'an hour in', 3599.5),
      message(long, 'assistant', 'an hour, two minutes, five seconds', 3725.25),
      message(long, 'user', 'ten hours', 36000.007),
    ],
  ]

  // Cues at their edges.
  const edges = session(3, { endedAt: at(50) })
  const edgePages = [
    [
      message(edges, 'user', 'negative start_s: the row time is used', 1, { start_s: -5 }),
      message(edges, 'assistant', 'start_s a string: the row time is used', 2, { start_s: '4' as never }),
      message(edges, 'user', '   ', 2.5),
      message(edges, 'user', '', 2.6),
      message(edges, 'assistant', 'zero-length end_s: ends at the next', 3, { start_s: 3, end_s: 3 }),
      message(edges, 'user', 'an end before its start: the next start', 4, { start_s: 4, end_s: 3.5 }),
      message(edges, 'assistant', 'out of order: waits for the one before', 2),
      message(edges, 'user', 'infinite start', 6, { start_s: Infinity, end_s: Number.NaN }),
      message(edges, 'assistant', 'line one\n\n  line two  \rline three', 7, { end_s: 7.0004 }),
      message(edges, 'tool', 'not speech', 8),
      message(edges, 'system', 'not speech either', 9),
      message(edges, 'user', 'before the row time', -3),
      message(edges, 'assistant', 'last: the session ends within 30 s', 25),
    ],
  ]
  const lateEnd = session(4, { endedAt: at(100) })
  const late = [[message(lateEnd, 'user', 'last: the session ends 70 s later, so 2 s', 30)]]
  const endBefore = session(5, { endedAt: at(10) })
  const before = [[message(endBefore, 'assistant', 'the session ended before the cue: 2 s', 12)]]
  const empty = session(6)

  // Tool calls the chat formats tell apart: one provider item with text and calls, calls without ids,
  // a repeated id, results naming no call or an unknown one, an error, arguments of each kind, a developer row.
  const tools = session(7)
  const item = (key: string, role = 'assistant') => ({ source: { platform: 'vapi', item: key, role, raw: {} } })
  const toolPages = [
    [
      message(tools, 'system', 'be brief', 0, { source: { platform: 'openai-chat', item: '0', role: 'developer', raw: {} } }),
      message(tools, 'system', 'plain system', 0.1),
      message(tools, 'user', 'weather and time?', 1),
      message(tools, 'assistant', 'Let me check.', 2, item('a')),
      message(tools, 'tool', 'weather({"city":"Oslo"})', 2, { ...item('a'), tool: { kind: 'call', call_id: 'c1', name: 'weather', arguments: { city: 'Oslo' } } }),
      message(tools, 'tool', 'time()', 2, { ...item('a'), tool: { kind: 'call', call_id: 'c2', name: 'time' } }),
      message(tools, 'assistant', 'Checking both.', 2, item('a')),
      message(tools, 'tool', '4 degrees', 3, { tool: { kind: 'result', call_id: 'c2' } }),
      message(tools, 'tool', 'sunny', 3.5, { tool: { kind: 'result', call_id: 'c1', name: 'weather' } }),
    ],
    [
      message(tools, 'tool', 'lookup("x")', 4, { tool: { kind: 'call', name: 'lookup', arguments: 'not json' } }),
      message(tools, 'tool', 'no such record', 4.5, { tool: { kind: 'result', is_error: true } }),
      message(tools, 'tool', 'again()', 5, { tool: { kind: 'call', call_id: 'c1', name: 'again', arguments: '{"n":1}' } }),
      message(tools, 'tool', 'stray result', 5.5, { tool: { kind: 'result', call_id: 'unknown' } }),
      message(tools, 'tool', 'legacy result', 6, { tool_call_id: 'c1', tool_name: 'again' }),
      message(tools, 'tool', 'metadata.tool not an object', 6.5, { tool: ['call'] }),
      message(tools, 'assistant', 'Done.', 7),
      message(tools, 'tool', 'after()', 8, { tool: { kind: 'call', call_id: 'c9' } }),
    ],
  ]

  return [
    exported(call, callPages),
    exported(long, longPages),
    exported(edges, edgePages),
    exported(lateEnd, late),
    exported(endBefore, before),
    exported(empty, [[], []]),
    exported(tools, toolPages),
  ]
}

async function run(format: ExportFormatName, sessions: SessionExport[]): Promise<string> {
  let text = ''
  for await (const chunk of exportFormat(format).encode((async function* () {
    yield* sessions
  })())) {
    expect(chunk).not.toBe('')
    text += chunk
  }
  return text
}

const EXTENSIONS: Record<ExportFormatName, string> = {
  json: 'json',
  jsonl: 'jsonl',
  csv: 'csv',
  vtt: 'vtt',
  srt: 'srt',
  txt: 'txt',
  openai: 'openai.json',
  'vercel-ui': 'ui.json',
}

describe('exact output of each format', () => {
  for (const format of EXPORT_FORMAT_NAMES) {
    it(`${format}, all sessions`, async () => {
      await expect(await run(format, scenarios())).toMatchFileSnapshot(`__snapshots__/exact/all.${EXTENSIONS[format]}`)
    })
  }
  for (const format of EXPORT_FORMAT_NAMES) {
    it(`${format}, each session alone`, async () => {
      const alone = await Promise.all(scenarios().map((one) => run(format, [one])))
      await expect(alone.join('\n=====\n')).toMatchFileSnapshot(`__snapshots__/exact/alone.${EXTENSIONS[format]}.txt`)
    })
  }
  for (const format of EXPORT_FORMAT_NAMES) {
    it(`${format}, no session at all`, async () => {
      await expect(await run(format, [])).toMatchFileSnapshot(`__snapshots__/exact/none.${EXTENSIONS[format]}.txt`)
    })
  }
})

describe('the table of formats', () => {
  it('gives each its content type, file extension, and whether it takes one session', () => {
    expect(
      Object.fromEntries(EXPORT_FORMAT_NAMES.map((name) => {
        const { encode, ...format } = exportFormat(name)
        expect(typeof encode).toBe('function')
        return [name, format]
      })),
    ).toEqual({
      json: { name: 'json', contentType: 'application/json; charset=utf-8', extension: 'json', oneSession: false },
      jsonl: { name: 'jsonl', contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl', oneSession: false },
      csv: { name: 'csv', contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', oneSession: false },
      vtt: { name: 'vtt', contentType: 'text/vtt; charset=utf-8', extension: 'vtt', oneSession: true },
      srt: { name: 'srt', contentType: 'application/x-subrip; charset=utf-8', extension: 'srt', oneSession: true },
      txt: { name: 'txt', contentType: 'text/plain; charset=utf-8', extension: 'txt', oneSession: false },
      openai: { name: 'openai', contentType: 'application/json; charset=utf-8', extension: 'openai.json', oneSession: true },
      'vercel-ui': { name: 'vercel-ui', contentType: 'application/json; charset=utf-8', extension: 'ui.json', oneSession: true },
    })
  })

  it('refuses an unknown format, naming the field and the known ones', () => {
    for (const [name, field] of [['xml', 'format'], ['JSON', '--format']] as const) {
      const error = (() => {
        try {
          exportFormat(name, field)
        } catch (error) {
          return error
        }
      })()
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).message).toBe(`${field}: must be one of json, jsonl, csv, vtt, srt, txt, openai, vercel-ui; got "${name}"`)
    }
    expect(() => exportFormat('xml')).toThrow(/^format: /)
  })
})
