// Caption exports (WebVTT, SubRip) at their edges: cues that must not be written,
// times past a minute and an hour, the exact SubRip layout, and the format table.
import { createRequire } from 'node:module'
import webvtt from 'webvtt-parser'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/model/errors.js'
import { clock } from '../../src/export/cues.js'
import { EXPORT_FORMAT_NAMES, exportFormat, type ExportFormatName } from '../../src/export/formats/index.js'
import type { SessionExport } from '../../src/export/types.js'
import type { Message, Metadata, Role, Session } from '../../src/model/types.js'

const entities = createRequire(import.meta.url)('webvtt-parser/html-entities.json') as Record<string, string>

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

function session(overrides: Partial<Session> = {}): Session {
  return {
    sessionId: '0195a0b0-0000-7000-8000-000000000001',
    userId: null,
    startedAt: T0,
    endedAt: null,
    isActive: true,
    durationSeconds: null,
    topicsDiscussed: [],
    metadata: {},
    messageCount: 0,
    endedReason: null,
    ...overrides,
  }
}

let seq = 0
function message(role: Role, content: string, seconds: number, metadata: Metadata = {}): Message {
  seq++
  return {
    id: `0195a0b0-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    sessionId: session().sessionId,
    userId: null,
    role,
    content,
    audioUrl: null,
    metadata,
    createdAt: at(seconds),
    seq,
  }
}

async function run(format: ExportFormatName, s: Session, messages: Message[]): Promise<string> {
  const one: SessionExport = {
    session: s,
    pages: (async function* () {
      yield messages
    })(),
  }
  let text = ''
  for await (const chunk of exportFormat(format).encode((async function* () {
    yield one
  })())) text += chunk
  return text
}

interface StrictCue {
  index: number
  start: string
  end: string
  lines: string[]
}

const SRT_TIME = /^(\d{2}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d),(\d{3})$/

/**
 * SubRip exactly as written: cues separated by one blank line, each an index
 * counting from 1, a timing line with two-digit fields, then one or more
 * non-blank text lines; LF line ends and one final newline. Throws otherwise.
 */
function parseSrtStrict(text: string): StrictCue[] {
  if (text === '') return []
  if (text.includes('\r')) throw new Error('CR in SRT')
  if (!text.endsWith('\n') || text.endsWith('\n\n')) throw new Error('SRT must end with exactly one newline')
  return text
    .slice(0, -1)
    .split('\n\n')
    .map((block, position) => {
      const [index, timing, ...lines] = block.split('\n')
      if (index !== String(position + 1)) throw new Error(`cue ${position + 1}: index line is ${JSON.stringify(index)}`)
      const times = SRT_TIME.exec(timing ?? '')
      if (!times) throw new Error(`cue ${position + 1}: timing line is ${JSON.stringify(timing)}`)
      if (lines.length === 0 || lines.some((line) => line.trim() === '')) throw new Error(`cue ${position + 1}: blank or missing text`)
      if (lines.some((line) => line.includes('-->'))) throw new Error(`cue ${position + 1}: a timing line among the text`)
      return { index: position + 1, start: timing!.slice(0, 12), end: timing!.slice(17), lines }
    })
}

const seconds = (time: string) => {
  const [, h, m, s, ms] = /^(\d+):(\d{2}):(\d{2})[,.](\d{3})$/.exec(time)!
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000
}

describe('caption cues', () => {
  it('writes no cue for whitespace-only text, and only rows that are speech', async () => {
    const turns = [
      message('user', 'one', 1),
      message('assistant', ' \n\t\u00a0\r\n ', 2),
      message('tool', 'lookup()', 3),
      message('system', 'note', 4),
      message('assistant', 'two', 5),
    ]
    const cues = parseSrtStrict(await run('srt', session(), turns))
    expect(cues.map((cue) => [cue.lines, cue.start, cue.end])).toEqual([
      [['User: one'], '00:00:01,000', '00:00:05,000'],
      [['Assistant: two'], '00:00:05,000', '00:00:07,000'],
    ])
  })

  it('never writes a cue that ends before or where it starts, also after rounding to milliseconds', async () => {
    const turns = [
      // end_s before start_s, and end_s equal to it: ended by the next turn instead.
      message('user', 'backwards', 0, { start_s: 4, end_s: 3 }),
      message('assistant', 'still', 0, { start_s: 6, end_s: 6 }),
      // Two turns at the same instant (an out-of-order one is moved up to it): the first cannot end at the second's start.
      message('user', 'same time a', 0, { start_s: 8 }),
      message('assistant', 'same time b', 0, { start_s: 7.5 }),
      // An end 0.3 ms after the start is the same millisecond.
      message('user', 'a blink', 0, { start_s: 12.0001, end_s: 12.0004 }),
      // A next turn 0.2 ms later is the same millisecond too.
      message('assistant', 'crowded', 0, { start_s: 20.0001 }),
      message('user', 'right after', 0, { start_s: 20.0003 }),
    ]
    for (const format of ['srt', 'vtt'] as const) {
      const text = await run(format, session(), turns)
      const times =
        format === 'srt'
          ? parseSrtStrict(text).map((cue) => [seconds(cue.start), seconds(cue.end)])
          : // The parser sorts cues of one start time by end; their ids give the written order.
            new webvtt.WebVTTParser(entities)
              .parse(text)
              .cues.sort((a, b) => Number(a.id) - Number(b.id))
              .map((cue) => [cue.startTime, cue.endTime])
      expect(times, format).toEqual([
        [4, 6],
        [6, 8],
        [8, 10],
        [8, 12],
        [12, 20],
        [20, 22],
        [20, 22],
      ])
    }
  })

  it('takes start_s and end_s only when they are finite numbers ≥ 0', async () => {
    const turns = [
      message('user', 'infinite', 1, { start_s: Number.POSITIVE_INFINITY, end_s: Number.POSITIVE_INFINITY }),
      message('assistant', 'not a number', 3, { start_s: Number.NaN, end_s: Number.NaN }),
      message('user', 'a string', 5, { start_s: '9', end_s: '10' }),
      message('assistant', 'negative', 7, { start_s: -1, end_s: -0.5 }),
      message('user', 'zero', 9, { start_s: 0 }),
    ]
    const cues = parseSrtStrict(await run('srt', session(), turns))
    expect(cues.map((cue) => [cue.start, cue.end])).toEqual([
      ['00:00:01,000', '00:00:03,000'],
      ['00:00:03,000', '00:00:05,000'],
      ['00:00:05,000', '00:00:07,000'],
      ['00:00:07,000', '00:00:09,000'],
      // start_s 0 is a time (the cue before it is not moved back to it): kept in order at the previous start.
      ['00:00:07,000', '00:00:09,000'],
    ])
  })

  it('writes minutes and hours: cues past 60 s and past an hour, in both formats', async () => {
    const turns = [
      message('user', 'a minute in', 0, { start_s: 61.5, end_s: 119.999 }),
      message('assistant', 'an hour in', 0, { start_s: 3725.25, end_s: 3726 }),
      message('user', 'ten hours in', 0, { start_s: 36_000 + 59 * 60 + 59.5 }),
    ]
    const srt = parseSrtStrict(await run('srt', session(), turns))
    expect(srt.map((cue) => [cue.start, cue.end])).toEqual([
      ['00:01:01,500', '00:01:59,999'],
      ['01:02:05,250', '01:02:06,000'],
      ['10:59:59,500', '11:00:01,500'],
    ])
    const vtt = new webvtt.WebVTTParser(entities).parse(await run('vtt', session(), turns))
    expect(vtt.errors).toEqual([])
    expect(vtt.cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
      [61.5, 119.999],
      [3725.25, 3726],
      [39599.5, 39601.5],
    ])
  })

  it('clock: fields carry over at 1000 ms, 60 s and 60 min, rounding to the millisecond first', () => {
    expect(clock(0, ',')).toBe('00:00:00,000')
    expect(clock(59.9996, ',')).toBe('00:01:00,000')
    expect(clock(59.9994, '.')).toBe('00:00:59.999')
    expect(clock(3599.9999, '.')).toBe('01:00:00.000')
    expect(clock(3600 + 60 + 1.007, ',')).toBe('01:01:01,007')
    expect(clock(100 * 3600, '.')).toBe('100:00:00.000')
  })

  it('the last cue runs to the session end when it is at most 30 s away, else 2 s', async () => {
    const last = (endedAt: number) => run('srt', session({ endedAt: at(endedAt), isActive: false }), [message('user', 'bye', 10)])
    expect(parseSrtStrict(await last(40))[0]!.end).toBe('00:00:40,000')
    expect(parseSrtStrict(await last(40.001))[0]!.end).toBe('00:00:12,000')
    expect(parseSrtStrict(await last(10))[0]!.end).toBe('00:00:12,000')
  })

  it('srt: exactly one blank line between cues, multi-line text kept on its lines, no final blank line', async () => {
    const text = await run('srt', session(), [message('user', 'line one\n\n  line two  \r\nline --> three', 1), message('assistant', 'ok', 4)])
    expect(text).toBe('1\n00:00:01,000 --> 00:00:04,000\nUser: line one\nline two\nline -> three\n\n2\n00:00:04,000 --> 00:00:06,000\nAssistant: ok\n')
    expect(parseSrtStrict(text).map((cue) => cue.lines)).toEqual([['User: line one', 'line two', 'line -> three'], ['Assistant: ok']])
    expect(() => parseSrtStrict(text.replace('\n\n', '\n'))).toThrow(/timing line|index line/)
  })

  it('a session without speech is an empty SRT file and a WebVTT header alone', async () => {
    const quiet = [message('system', 'prompt', 0), message('user', '   ', 1)]
    expect(await run('srt', session(), quiet)).toBe('')
    expect(await run('vtt', session(), quiet)).toBe('WEBVTT\n')
  })
})

describe('export formats table', () => {
  it('names each format with its media type, extension and whether it holds one session', () => {
    const table = EXPORT_FORMAT_NAMES.map((name) => {
      const format = exportFormat(name)
      expect(format.name).toBe(name)
      return [name, format.contentType, format.extension, format.oneSession]
    })
    expect(table).toEqual([
      ['json', 'application/json; charset=utf-8', 'json', false],
      ['jsonl', 'application/x-ndjson; charset=utf-8', 'jsonl', false],
      ['csv', 'text/csv; charset=utf-8; header=present', 'csv', false],
      ['vtt', 'text/vtt; charset=utf-8', 'vtt', true],
      ['srt', 'application/x-subrip; charset=utf-8', 'srt', true],
      ['txt', 'text/plain; charset=utf-8', 'txt', false],
      ['openai', 'application/json; charset=utf-8', 'openai.json', true],
      ['vercel-ui', 'application/json; charset=utf-8', 'ui.json', true],
    ])
  })

  it('an unknown name is a ValidationError on the field the caller names', () => {
    const refused = (run: () => unknown) => {
      try {
        run()
      } catch (error) {
        return error
      }
      throw new Error('not refused')
    }
    expect(refused(() => exportFormat('xlsx'))).toMatchObject({ field: 'format' })
    const query = refused(() => exportFormat('JSON', 'query.format'))
    expect(query).toBeInstanceOf(ValidationError)
    expect(query).toMatchObject({ field: 'query.format', message: expect.stringContaining('got "JSON"') })
    // Names are not looked up on the object's prototype.
    expect(() => exportFormat('toString')).toThrow(ValidationError)
  })

  it('each format writes its own shape', async () => {
    const turns = [message('user', 'hi', 1)]
    const first = async (name: ExportFormatName) => (await run(name, session(), turns)).slice(0, 12)
    expect(await first('json')).toBe('{"format":"p')
    expect(await first('jsonl')).toBe('{"id":"0195a')
    expect(await first('csv')).toBe('session_id,s')
    expect(await first('vtt')).toBe('WEBVTT\n\n1\n00')
    expect(await first('srt')).toBe('1\n00:00:01,0')
    expect(await first('txt')).toBe('# Session 01')
    expect(JSON.parse(await run('openai', session(), turns))).toEqual([{ role: 'user', content: 'hi' }])
    expect(JSON.parse(await run('vercel-ui', session(), turns))[0].parts).toEqual([{ type: 'text', text: 'hi' }])
  })
})
