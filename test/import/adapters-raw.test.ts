// What an import stores, pinned whole: every fixture's sessions and rows,
// the raw remainder (`metadata.source.raw`) included. A round trip alone
// cannot fail, because whatever a rebuild gets wrong lands in the raw
// remainder; these files say what that remainder is. After a deliberate change
// to an adapter, refresh them with `npx vitest run test/import/adapters-raw.test.ts -u`
// and read the diff: a field that moves from a column into `raw` is a loss.
// Also the payload shapes the fixtures do not carry: each envelope with and
// without its wrapper, and the branches of a turn's time.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { ImportError } from '../../src/import/import-error.js'
import type { ImportedMessage, ImportedSession, Platform } from '../../src/import/types.js'
import { fixture, FIXTURES } from './support.js'

const context = { path: 'calls/test.json', modifiedAt: new Date('2025-02-01T09:00:00.000Z') }
const REAL_DIR = join(import.meta.dirname, '..', 'fixtures', 'real')
const REAL: Array<[Platform, string]> = readdirSync(REAL_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).flatMap((platform) =>
  readdirSync(join(REAL_DIR, platform)).filter((name) => name.endsWith('.json')).map((name): [Platform, string] => [platform as Platform, join('..', 'real', platform, name)]),
)

type Json = Record<string, unknown>
const clone = <T>(value: T): T => structuredClone(value)
const parse = (platform: Platform, payload: unknown) => adapters[platform].parse(payload, context)
const one = (platform: Platform, payload: unknown) => {
  const sessions = parse(platform, payload)
  expect(sessions).toHaveLength(1)
  return sessions[0]!
}
const source = (message: ImportedMessage) => message.metadata.source as { role: string; item: string; raw: Json }
const sessionSource = (imported: ImportedSession) => imported.session.metadata.source as { shape?: string; timing?: string; raw: Json }
/** The rows as a reader of the database sees them, without the raw remainder. */
const rows = (imported: ImportedSession) =>
  imported.messages.map(({ metadata: { source: _source, ...metadata }, ...message }) => ({ ...message, metadata }))

function importError(run: () => unknown): ImportError {
  try {
    run()
  } catch (error) {
    if (error instanceof ImportError) return error
    throw error
  }
  throw new Error('no ImportError')
}

describe('what each fixture stores, raw remainder included', () => {
  for (const [platform, name] of [...FIXTURES, ...REAL]) {
    it(`${platform}: ${name}`, async () => {
      const stored = JSON.stringify(parse(platform, fixture(name)), null, 2)
      await expect(`${stored}\n`).toMatchFileSnapshot(join('__snapshots__', 'stored', `${name.replace(/^\.\.\/real\//, 'real-').replace(/\//g, '-')}`))
    })
  }
})

describe('elevenlabs envelopes', () => {
  const conversation = fixture('elevenlabs-conversation.json') as Json

  it('reads the post_call_transcription webhook as the conversation it carries, and writes the envelope back', () => {
    const webhook = { type: 'post_call_transcription', event_timestamp: 1739000000, data: clone(conversation) }
    const plain = one('elevenlabs', conversation)
    const wrapped = one('elevenlabs', webhook)
    expect(sessionSource(plain).shape).toBe('conversation')
    expect(sessionSource(wrapped).shape).toBe('webhook')
    expect(wrapped.session.sessionId).toBe(plain.session.sessionId)
    expect(rows(wrapped)).toEqual(rows(plain).map((row) => ({ ...row, pointer: `/data${row.pointer}` })))
    expect(sessionSource(wrapped).raw).toMatchObject({ event_timestamp: 1739000000 })
    expect(adapters.elevenlabs.toPlatform([wrapped])).toEqual(webhook)
    expect(adapters.elevenlabs.toPlatform([plain])).toEqual(conversation)
  })

  it('takes a conversation with a `type` of its own for a conversation, not a webhook', () => {
    const typed = { ...clone(conversation), type: 'voice' }
    const imported = one('elevenlabs', typed)
    expect(sessionSource(imported).shape).toBe('conversation')
    expect(rows(imported)).toEqual(rows(one('elevenlabs', conversation)))
  })

  it('refuses another webhook, naming its type', () => {
    const error = importError(() => parse('elevenlabs', { type: 'post_call_audio', data: clone(conversation) }))
    expect(error.pointer).toBe('/type')
    expect(error.message).toContain('is "post_call_audio": a real ElevenLabs webhook that Parley does not import yet')
  })

  it('stores a tool call and its result as tool rows with the call and the result as content', () => {
    const payload = clone(conversation)
    payload.transcript = [
      {
        role: 'agent',
        message: null,
        time_in_call_secs: 3,
        tool_calls: [{ request_id: 'r1', tool_name: 'weather', params_as_json: '{"city":"Oslo"}' }],
        tool_results: [{ request_id: 'r1', tool_name: 'weather', result_value: { temp: 4 } }],
      },
    ]
    const imported = one('elevenlabs', payload)
    expect(imported.messages.map((message) => [message.role, message.content, message.metadata.tool])).toEqual([
      ['tool', 'weather({"city":"Oslo"})', { kind: 'call', call_id: 'r1', name: 'weather', arguments: '{"city":"Oslo"}' }],
      ['tool', '{"temp":4}', { kind: 'result', call_id: 'r1', name: 'weather', result: '{"temp":4}' }],
    ])
    expect(imported.messages[0]!.createdAt.getTime() - imported.session.startedAt.getTime()).toBe(3000)
  })

  it('keeps what an interrupted turn was meant to say', () => {
    const payload = clone(conversation)
    payload.transcript = [{ role: 'agent', message: 'The weather is', original_message: 'The weather is sunny.', interrupted: true, time_in_call_secs: 1 }]
    expect(one('elevenlabs', payload).messages[0]!.metadata).toMatchObject({ interrupted: true, generated_text: 'The weather is sunny.', start_s: 1 })
  })
})

describe('retell envelopes and times', () => {
  const webhook = fixture('retell-call-ended.json') as { event: string; call: Json }

  it('reads the plain call object as the webhook reads the call it carries', () => {
    const plain = one('retell', clone(webhook.call))
    const wrapped = one('retell', webhook)
    expect(sessionSource(plain).shape).toBe('call')
    expect(sessionSource(wrapped).shape).toBe('webhook')
    expect(rows(wrapped)).toEqual(rows(plain).map((row) => ({ ...row, pointer: `/call${row.pointer}` })))
    expect(adapters.retell.toPlatform([plain])).toEqual(webhook.call)
  })

  it('ends an utterance at its last word, whatever the number of words', () => {
    const payload = clone(webhook)
    const key = payload.call.transcript_with_tool_calls !== undefined ? 'transcript_with_tool_calls' : 'transcript_object'
    const items = payload.call[key] as Json[]
    const turn = items.findIndex((item) => Array.isArray(item.words))
    items[turn]!.words = [
      { word: 'one', start: 1.5, end: 1.8 },
      { word: 'two', start: 1.9, end: 2.2 },
      { word: 'three', start: 2.3, end: 2.9 },
    ]
    const message = one('retell', payload).messages[turn]!
    expect(message.metadata).toMatchObject({ start_s: 1.5, end_s: 2.9 })
    expect(message.createdAt.getTime() - one('retell', payload).session.startedAt.getTime()).toBe(1500)
  })

  it('dates a call that never connected by its end, then its event, then the file', () => {
    const base = { call_id: 'never', call_status: 'not_connected' }
    expect(one('retell', { ...base, end_timestamp: 1739000000000 }).session.startedAt).toEqual(new Date(1739000000000))
    expect(one('retell', { event: 'call_ended', event_timestamp: 1739000005000, call: base }).session.startedAt).toEqual(new Date(1739000005000))
    expect(one('retell', base).session.startedAt).toEqual(context.modifiedAt)
    expect(one('retell', base).messages).toEqual([])
  })
})

describe('vapi turns and their times', () => {
  const report = fixture('vapi-end-of-call-report.json') as { message: Json & { artifact: { messages: Json[] } } }
  const withItems = (items: Json[], startedAt: unknown = '2025-01-01T10:00:00.000Z') => {
    const payload = clone(report)
    payload.message.artifact.messages = items
    payload.message.startedAt = startedAt
    return payload
  }

  it('times a turn by secondsFromStart when it has no time of its own', () => {
    const imported = one('vapi', withItems([{ role: 'user', message: 'hello', secondsFromStart: 2.5 }]))
    expect(imported.messages[0]!.createdAt).toEqual(new Date('2025-01-01T10:00:02.500Z'))
    expect(imported.messages[0]!.metadata).toMatchObject({ start_s: 2.5 })
    expect(sessionSource(imported).timing).toBeUndefined()
  })

  it('times a turn by `time`, measured from the start, and ends it at endTime', () => {
    const at = Date.parse('2025-01-01T10:00:04.000Z')
    const imported = one('vapi', withItems([{ role: 'bot', message: 'hi', time: at, endTime: at + 1500 }]))
    expect(imported.messages[0]!.createdAt).toEqual(new Date(at))
    expect(imported.messages[0]!.metadata).toMatchObject({ start_s: 4, end_s: 5.5 })
  })

  it('without a start, starts the call at the first timed turn less its offset', () => {
    const at = Date.parse('2025-01-01T10:00:10.000Z')
    const imported = one('vapi', withItems([{ role: 'system', message: 'be kind' }, { role: 'user', message: 'hi', time: at, secondsFromStart: 4 }], null))
    expect(imported.session.startedAt).toEqual(new Date(at - 4000))
  })

  it('marks a call whose turns say nothing of time as order-only, from when the call was created, each turn after the one before', () => {
    const payload = withItems([{ role: 'user', message: 'a' }, { role: 'bot', message: 'b' }], null)
    delete payload.message.endedAt
    const imported = one('vapi', payload)
    expect(sessionSource(imported).timing).toBe('order-only')
    const created = new Date('2025-01-15T10:29:58.120Z')
    expect((payload.message.call as Json).createdAt).toBe(created.toISOString())
    expect(imported.session.startedAt).toEqual(created)
    expect(imported.messages.map((message) => message.createdAt)).toEqual([created, created])
    // With no createdAt either, the file's own time.
    delete (payload.message.call as Json).createdAt
    expect(one('vapi', payload).messages.map((message) => message.createdAt)).toEqual([context.modifiedAt, context.modifiedAt])
  })

  it('refuses a turn whose time is not a time, naming it', () => {
    const error = importError(() => parse('vapi', withItems([{ role: 'user', message: 'a', time: 'soon' }])))
    expect(error.pointer).toBe('/message/artifact/messages/0/time')
  })

  it('stores tool calls, a tool result and an old function_call as tool rows with their content', () => {
    const imported = one(
      'vapi',
      withItems([
        { role: 'tool_calls', secondsFromStart: 1, toolCalls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: { city: 'Oslo' } } }, { id: 'c2', type: 'function', function: { name: 'time', arguments: '{}' } }] },
        { role: 'tool_call_result', secondsFromStart: 2, toolCallId: 'c1', name: 'weather', result: { temp: 4 } },
        { role: 'tool_call_result', secondsFromStart: 2.5, toolCallId: 'c2', name: 'time', result: '10:00' },
        { role: 'function_call', secondsFromStart: 3, name: 'lookup', args: { q: 'x' } },
        { role: 'tool_calls', secondsFromStart: 4, toolCalls: [] },
      ]),
    )
    expect(imported.messages.map((message) => [message.role, message.content])).toEqual([
      ['tool', 'weather({"city":"Oslo"})'],
      ['tool', 'time({})'],
      ['tool', '{"temp":4}'],
      ['tool', '10:00'],
      ['tool', 'lookup({"q":"x"})'],
      ['system', '[tool_calls]'],
    ])
    expect(imported.messages.map((message) => message.metadata.tool)).toEqual([
      { kind: 'call', call_id: 'c1', name: 'weather', arguments: '{"city":"Oslo"}' },
      { kind: 'call', call_id: 'c2', name: 'time', arguments: '{}' },
      { kind: 'result', call_id: 'c1', name: 'weather' },
      { kind: 'result', call_id: 'c2', name: 'time' },
      { kind: 'call', call_id: null, name: 'lookup', arguments: '{"q":"x"}' },
      undefined,
    ])
  })

  it('reads a call object (GET /call) as the report reads it', () => {
    const fromReport = one('vapi', report)
    const { message } = clone(report)
    const { call, type: _type, ...body } = message as unknown as Json & { call: { id: string } }
    const callObject = { ...body, id: call.id }
    const imported = one('vapi', callObject)
    expect(sessionSource(imported).shape).toBe('call')
    expect(imported.session.sessionId).toBe(fromReport.session.sessionId)
    expect(rows(imported).map(({ pointer: _p, ...row }) => row)).toEqual(rows(fromReport).map(({ pointer: _p, ...row }) => row))
    expect(adapters.vapi.toPlatform([imported])).toEqual(callObject)
  })

  it('refuses another server message, naming its type', () => {
    const error = importError(() => parse('vapi', { message: { type: 'transcript', transcriptType: 'final', role: 'user', transcript: 'hi', call: { id: 'x' } } }))
    expect(error.pointer).toBe('/message/type')
    expect(error.message).toContain('is "transcript": a real Vapi server message that Parley does not import yet')
  })

  it('a status-update whose call has a createdAt that is not a time is refused, naming it', () => {
    const error = importError(() => parse('vapi', { message: { type: 'status-update', status: 'ended', call: { id: 'x', createdAt: 'yesterday' } } }))
    expect(error.pointer).toBe('/message/call/createdAt')
  })
})
