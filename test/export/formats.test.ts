// Each export format read back by a real parser for it (CSV, WebVTT, SRT, JSON).
import { createRequire } from 'node:module'
import { parse as parseCsv } from 'csv-parse/sync'
import SrtParser from 'srt-parser-2'
import webvtt from 'webvtt-parser'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/model/errors.js'
import { CSV_COLUMNS } from '../../src/export/formats/csv.js'
import { exportFormat, type ExportFormatName } from '../../src/export/formats/index.js'
import type { SessionExport } from '../../src/export/types.js'
import { messageToWire, sessionToWire } from '../../src/protocol/convert.js'
import type { Message, Metadata, Role, Session } from '../../src/model/types.js'

const entities = createRequire(import.meta.url)('webvtt-parser/html-entities.json') as Record<string, string>

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

function session(overrides: Partial<Session> = {}): Session {
  return {
    sessionId: '0195a0b0-0000-7000-8000-000000000001',
    userId: '0195a0b0-0000-7000-8000-0000000000aa',
    startedAt: T0,
    endedAt: at(20),
    isActive: false,
    durationSeconds: 20,
    topicsDiscussed: [],
    metadata: { channel: 'phone' },
    messageCount: 6,
    endedReason: 'hangup',
    ...overrides,
  }
}

let nextSeq = 1
function message(role: Role, content: string, seconds: number, metadata: Metadata = {}, sessionId = session().sessionId): Message {
  const seq = nextSeq++
  return {
    id: `0195a0b0-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    sessionId,
    userId: session().userId,
    role,
    content,
    audioUrl: role === 'user' ? `https://audio.example/${seq}.wav` : null,
    metadata,
    createdAt: at(seconds),
    seq,
  }
}

// A voice call: timed turns, one untimed, a tool row, a system row, and text a spreadsheet or a caption player would misread.
const call = [
  message('user', 'Hello, I need help', 0.4, { start_s: 0.5, end_s: 2 }),
  message('assistant', 'Sure, "happy" to help.\n\nWhat is it?', 3),
  message('tool', 'lookup({"id":7})', 3.8, { tool: { kind: 'call', call_id: 'call_1', name: 'lookup', arguments: '{"id":7}' } }),
  message('tool', '{"ok":true}', 4, { tool: { kind: 'result', call_id: 'call_1', name: 'lookup' } }),
  message('system', 'You are helpful', 4.5),
  message('user', '=SUM(A1:A2)', 5),
  message('assistant', '-1 + @x <b>&amp; --> done', 6.5, { start_s: 7, end_s: 9 }),
]

/** The session's messages in pages of `size`, as the database reader hands them over. */
function exported(s: Session, messages: Message[], size = 2): SessionExport {
  return {
    session: s,
    pages: (async function* () {
      for (let index = 0; index < messages.length; index += size) yield messages.slice(index, index + size)
    })(),
  }
}

async function run(format: ExportFormatName, sessions: SessionExport[]): Promise<{ text: string; chunks: number }> {
  let text = ''
  let chunks = 0
  for await (const chunk of exportFormat(format).encode((async function* () { yield* sessions })())) {
    text += chunk
    chunks++
  }
  return { text, chunks }
}

describe('export formats', () => {
  it('json: the parley format, sessions with their messages in seq order', async () => {
    const second = session({ sessionId: '0195a0b0-0000-7000-8000-000000000002', endedAt: null, isActive: true, durationSeconds: null })
    const secondMessages = [message('user', 'second call', 1, {}, second.sessionId)]
    const { text } = await run('json', [exported(session(), call), exported(second, secondMessages), exported(session({ sessionId: '0195a0b0-0000-7000-8000-000000000003' }), [])])
    const document = JSON.parse(text)
    expect(document.format).toBe('parley')
    expect(document.version).toBe(1)
    expect(document.sessions).toHaveLength(3)
    expect(document.sessions[0]).toEqual({ session: sessionToWire(session()), messages: call.map(messageToWire) })
    expect(document.sessions[1]).toEqual({ session: sessionToWire(second), messages: secondMessages.map(messageToWire) })
    expect(document.sessions[2].messages).toEqual([])
  })

  it('json: an export of nothing is still a parley document', async () => {
    expect(JSON.parse((await run('json', [])).text)).toEqual({ format: 'parley', version: 1, sessions: [] })
  })

  it('jsonl: one wire message a line, a chunk per page', async () => {
    const { text, chunks } = await run('jsonl', [exported(session(), call)])
    const lines = text.trimEnd().split('\n')
    expect(lines.map((line) => JSON.parse(line))).toEqual(call.map(messageToWire))
    expect(text.endsWith('\n')).toBe(true)
    expect(chunks).toBe(Math.ceil(call.length / 2))
  })

  it('csv: parses back to the same rows, quotes and newlines kept, formulas neutralised', async () => {
    const { text } = await run('csv', [exported(session(), call)])
    const [header, ...rows] = parseCsv(text) as string[][]
    expect(header).toEqual([...CSV_COLUMNS])
    expect(rows).toHaveLength(call.length)
    const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name)
    rows.forEach((row, index) => {
      const original = call[index]!
      expect(row[column('message_id')]).toBe(original.id)
      expect(row[column('seq')]).toBe(String(original.seq))
      expect(row[column('created_at')]).toBe(original.createdAt.toISOString())
      expect(row[column('role')]).toBe(original.role)
      expect(row[column('audio_url')]).toBe(original.audioUrl ?? '')
      const metadata = row[column('metadata')]!
      expect(metadata === '' ? {} : JSON.parse(metadata)).toEqual(original.metadata)
    })
    expect(rows.map((row) => row[column('content')])).toEqual([
      'Hello, I need help',
      'Sure, "happy" to help.\n\nWhat is it?',
      'lookup({"id":7})',
      '{"ok":true}',
      'You are helpful',
      "'=SUM(A1:A2)",
      "'-1 + @x <b>&amp; --> done",
    ])
  })

  it('csv: every cell a spreadsheet would run is prefixed, whatever starts it', async () => {
    const risky = ['=1+1', '+1', '-1', '@SUM(1)', '\tx', '\rx'].map((content, index) => message('user', content, index))
    const { text } = await run('csv', [exported(session(), risky)])
    const contents = (parseCsv(text, { columns: true }) as Array<Record<string, string>>).map((row) => row.content)
    expect(contents).toEqual(['=1+1', '+1', '-1', '@SUM(1)', '\tx', '\rx'].map((content) => `'${content}`))
  })

  it('vtt: parses as WebVTT with cue times from start_s/end_s, else created_at and the next turn', async () => {
    const { text } = await run('vtt', [exported(session(), call)])
    const parsed = new webvtt.WebVTTParser(entities).parse(text)
    expect(parsed.errors).toEqual([])
    expect(parsed.cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
      [0.5, 2],
      [3, 5], // no offsets: created_at − started_at, ended by the next spoken turn (tool and system rows are not speech)
      [5, 7],
      [7, 9],
    ])
    const voices = parsed.cues.map((cue) => cue.tree.children?.[0])
    expect(voices.map((voice) => [voice?.name, voice?.value])).toEqual([
      ['v', 'User'],
      ['v', 'Assistant'],
      ['v', 'User'],
      ['v', 'Assistant'],
    ])
    expect(voices.map((voice) => voice?.children?.[0]?.value)).toEqual([
      'Hello, I need help',
      'Sure, "happy" to help.\nWhat is it?',
      '=SUM(A1:A2)',
      '-1 + @x <b>&amp; --> done',
    ])
  })

  it('vtt and srt: the last turn ends with the session, else two seconds later', async () => {
    const turns = [message('user', 'one', 1), message('assistant', 'two', 4)]
    const ended = new webvtt.WebVTTParser(entities).parse((await run('vtt', [exported(session(), turns)])).text)
    expect(ended.cues.at(-1)).toMatchObject({ startTime: 4, endTime: 20 })
    const running = session({ endedAt: null, isActive: true, durationSeconds: null })
    const srt = new SrtParser().fromSrt((await run('srt', [exported(running, turns)])).text)
    expect(srt.at(-1)).toMatchObject({ startSeconds: 4, endSeconds: 6 })
    // A session left open for days does not stretch its last caption over them.
    const leftOpen = session({ endedAt: at(3 * 24 * 3600) })
    const far = new SrtParser().fromSrt((await run('srt', [exported(leftOpen, turns)])).text)
    expect(far.at(-1)).toMatchObject({ startSeconds: 4, endSeconds: 6 })
  })

  it('srt: parses as SubRip with the same times, the speaker as a prefix', async () => {
    const { text } = await run('srt', [exported(session(), call)])
    const cues = new SrtParser().fromSrt(text)
    expect(cues.map((cue) => [cue.id, cue.startSeconds, cue.endSeconds])).toEqual([
      ['1', 0.5, 2],
      ['2', 3, 5],
      ['3', 5, 7],
      ['4', 7, 9],
    ])
    expect(cues.map((cue) => cue.text)).toEqual([
      'User: Hello, I need help',
      'Assistant: Sure, "happy" to help.\nWhat is it?',
      'User: =SUM(A1:A2)',
      'Assistant: -1 + @x <b>&amp; -> done',
    ])
    expect(cues[0]).toMatchObject({ startTime: '00:00:00,500', endTime: '00:00:02,000' })
  })

  it('txt: a header line per session, then one labelled line per turn', async () => {
    const second = session({ sessionId: '0195a0b0-0000-7000-8000-000000000002', userId: null })
    const { text } = await run('txt', [exported(session(), [...call.slice(0, 2), call[3]!]), exported(second, [message('user', 'bye', 1, {}, second.sessionId)])])
    expect(text).toBe(
      [
        `# Session ${session().sessionId} · user ${session().userId} · started 2026-03-01T10:00:00.000Z · ended 2026-03-01T10:00:20.000Z`,
        'User: Hello, I need help',
        'Assistant: Sure, "happy" to help.',
        '  ',
        '  What is it?',
        'Tool: {"ok":true}',
        '',
        `# Session ${second.sessionId} · started 2026-03-01T10:00:00.000Z · ended 2026-03-01T10:00:20.000Z`,
        'User: bye',
        '',
      ].join('\n'),
    )
  })

  it('openai: the chat messages array; an assistant turn and its tool calls are one message, a result a tool message', async () => {
    const messages = JSON.parse((await run('openai', [exported(session(), call)])).text)
    expect(messages).toEqual([
      { role: 'user', content: 'Hello, I need help' },
      {
        role: 'assistant',
        content: 'Sure, "happy" to help.\n\nWhat is it?',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"id":7}' } }],
      },
      { role: 'tool', content: '{"ok":true}', tool_call_id: 'call_1' },
      { role: 'system', content: 'You are helpful' },
      { role: 'user', content: '=SUM(A1:A2)' },
      { role: 'assistant', content: '-1 + @x <b>&amp; --> done' },
    ])
  })

  it('vercel-ui: UIMessage[] with text parts; a tool call is one dynamic-tool part that its result completes', async () => {
    const messages = JSON.parse((await run('vercel-ui', [exported(session(), call)])).text)
    expect(messages[0]).toEqual({
      id: call[0]!.id,
      role: 'user',
      metadata: { start_s: 0.5, end_s: 2, created_at: call[0]!.createdAt.toISOString() },
      parts: [{ type: 'text', text: 'Hello, I need help' }],
    })
    expect(messages[2]).toMatchObject({ id: call[2]!.id, role: 'assistant' })
    expect(messages[2].parts).toEqual([
      { type: 'dynamic-tool', toolName: 'lookup', toolCallId: 'call_1', state: 'output-available', input: { id: 7 }, output: '{"ok":true}' },
    ])
    // The result row is no message of its own.
    expect(messages.map((m: { id: string }) => m.id)).toEqual([0, 1, 2, 4, 5, 6].map((index) => call[index]!.id))
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'assistant', 'system', 'user', 'assistant'])
  })

  it('refuses an unknown format naming the field and the known ones', () => {
    expect(() => exportFormat('xlsx')).toThrow(ValidationError)
    expect(() => exportFormat('xlsx')).toThrow(/^format: must be one of json, jsonl, csv, vtt, srt, txt, openai, vercel-ui; got "xlsx"$/)
    expect(exportFormat('vtt').oneSession).toBe(true)
    expect(exportFormat('jsonl').oneSession).toBe(false)
  })
})
