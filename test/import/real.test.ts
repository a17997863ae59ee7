import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { requireEveryEntry } from '../../src/import/adapters/shared.js'
import { importedSessionId } from '../../src/import/ids.js'
import { ImportError } from '../../src/import/import-error.js'
import { importFile, importSessions } from '../../src/import/import-sessions.js'
import { detectPlatform, PayloadReader } from '../../src/import/reader.js'
import type { ImportedMessage, ImportedSession, Platform } from '../../src/import/types.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { FIXTURES, fixture, throughJson } from './support.js'

const REAL_DIR = join(import.meta.dirname, '..', 'fixtures', 'real')
const context = { path: 'real.json', modifiedAt: new Date('2025-02-01T09:00:00.000Z') }

/** Every published capture in test/fixtures/real/<platform>/. */
const REAL: Array<[Platform, string]> = readdirSync(REAL_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => readdirSync(join(REAL_DIR, dir.name)).filter((name) => name.endsWith('.json')).map((name): [Platform, string] => [dir.name as Platform, join(dir.name, name)]))

const real = (name: string): unknown => JSON.parse(readFileSync(join(REAL_DIR, name), 'utf8'))
const source = (message: ImportedMessage) => message.metadata.source as { role: string; item: string; raw: Record<string, unknown> }
const sessionSource = (imported: ImportedSession) => imported.session.metadata.source as { shape?: string; timing?: string; raw: Record<string, unknown> }

type Json = Record<string, unknown>
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const longest = (...lists: unknown[]) => lists.map(list).reduce((a, b) => (b.length > a.length ? b : a), [])

/**
 * The turn-like entries of one payload, counted from the platform's shape
 * alone (not by the adapter): what an import must store every one of.
 */
function turnEntries(platform: Platform, payload: unknown): number {
  const p = payload as Json
  const message = (p.message ?? {}) as Json
  const call = (p.call ?? p) as Json
  const data = (p.data ?? p) as Json
  switch (platform) {
    case 'vapi':
      return longest(message.messages, (message.artifact as Json | undefined)?.messages, p.messages, (p.artifact as Json | undefined)?.messages).length
    case 'retell':
      return list(call.transcript_with_tool_calls ?? call.transcript_object).length
    case 'elevenlabs':
      return list(data.transcript).length
    case 'livekit':
      return list(((p.chat_history ?? p) as Json).items).length
    case 'openai-chat':
      return list(Array.isArray(payload) ? payload : p.messages).length
    case 'openai-realtime': {
      const events = list(Array.isArray(payload) ? payload : p.events) as Json[]
      return new Set(events.map((event) => (event.item as Json | undefined)?.id).filter((id) => id !== undefined)).size
    }
    default:
      return list(p.messages ?? payload).length
  }
}

/** No silent loss: every turn-like entry of the payload is the source of at least one stored row. */
function expectNothingSkipped(platform: Platform, payload: unknown, sessions: ImportedSession[]) {
  const payloads = Array.isArray(payload) && !['openai-chat', 'openai-realtime', 'vercel-ui'].includes(platform) ? payload : [payload]
  expect(sessions).toHaveLength(payloads.length)
  sessions.forEach((imported, index) => {
    const entries = turnEntries(platform, payloads[index])
    expect(new Set(imported.messages.map((m) => source(m).item)).size).toBe(entries)
    expect(imported.messages.length).toBeGreaterThanOrEqual(entries)
  })
}

describe('real payloads', () => {
  it('has captures of every platform: three or more of each but LiveKit (two found)', () => {
    const count = (platform: Platform) => REAL.filter(([p]) => p === platform).length
    for (const platform of ['vapi', 'retell', 'elevenlabs', 'openai-realtime', 'openai-chat'] as const) expect(count(platform), platform).toBeGreaterThanOrEqual(3)
    expect(count('livekit')).toBeGreaterThanOrEqual(2)
  })

  for (const [platform, name] of REAL) {
    it(`${name}: detected as ${platform}, every entry stored, and back to its own shape unchanged`, () => {
      const payload = real(name)
      expect(detectPlatform(payload)).toBe(platform)
      const sessions = adapters[platform].parse(payload, context)
      expectNothingSkipped(platform, payload, sessions)
      expect(adapters[platform].toPlatform(sessions)).toEqual(payload)
      expect(adapters[platform].toPlatform(throughJson(sessions))).toEqual(payload)
    })
  }

  it('the no-silent-loss property also holds for our own fixtures', () => {
    for (const [platform, name] of FIXTURES.filter(([platform]) => platform !== 'vercel-ui' && platform !== 'parley')) {
      expectNothingSkipped(platform, fixture(name), adapters[platform].parse(fixture(name), context))
    }
  })

  it('an entry that gives no row fails the session, naming the entry', () => {
    const read = new PayloadReader('calls/x.json')
    const rows = adapters.vapi.parse(real('vapi/2024-03-report-messages-no-artifact.json'), context)[0]!.messages
    expect(() => requireEveryEntry(read, '/message/messages', ['0', '1', '2', '3', '4'], rows)).toThrow(ImportError)
    expect(() => requireEveryEntry(read, '/message/messages', ['0', '1', '2', '3', '4'], rows)).toThrow(/\/message\/messages\/4 was not imported.*1 of 5 entries skipped/)
  })

  it('names the shapes it knows, and none for a stranger', () => {
    expect(detectPlatform({ hello: 'world' })).toBeNull()
    expect(detectPlatform(42)).toBeNull()
    expect(detectPlatform(fixture('parley-export.json'))).toBe('parley')
    expect(detectPlatform(fixture('vercel-ui-chat.json'))).toBe('vercel-ui')
    expect(detectPlatform(fixture('openai-chat-messages.json'))).toBe('openai-chat')
    expect(detectPlatform(fixture('openai-realtime-events.json'))).toBe('openai-realtime')
  })
})

describe('vapi, real', () => {
  const payload = real('vapi/2024-03-report-messages-no-artifact.json') as { message: Json & { messages: Json[] } }
  // Parsed per test, so that a mutation run sees which test covers which line.
  let imported!: ImportedSession
  beforeEach(() => {
    imported = adapters.vapi.parse(payload, context)[0]!
  })

  it('reads message.messages of a report with no startedAt, starting at the first turn less its offset', () => {
    expect(sessionSource(imported).shape).toBe('report/messages')
    expect(imported.session.startedAt.getTime()).toBe(1710830749876)
    expect(imported.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant'])
    expect(imported.messages[2]!.metadata).toMatchObject({ start_s: 10.42, end_s: 12.04 })
  })

  it('stores the recording and its stereo variant as metadata.recording', () => {
    expect(imported.session.metadata.recording).toEqual({
      url: 'https://auth.vapi.ai/storage/v1/object/public/recordings/1710830770068-910a9cd0-c2ec-4789-9dd5-ab03dad1ddc4.wav',
      stereo_url: 'https://auth.vapi.ai/storage/v1/object/public/recordings/1710830770071-7a730b84-d082-46e0-afcf-c7eba6a8e4b8.wav',
    })
  })

  it('keeps exactly the unmapped rest as raw', () => {
    expect(sessionSource(imported).raw).toEqual({
      message: {
        transcript: payload.message.transcript,
        summary: payload.message.summary,
        recordingUrl: payload.message.recordingUrl,
        stereoRecordingUrl: payload.message.stereoRecordingUrl,
        call: { assistantId: '0eff0e2a-e7ba-4fac-b867-3e40f657f6e9' },
        unknownDict: { dummy: '1234567890' },
        unknownList: ['dummy', '1234567890'],
        unknownString: 'dummy',
        $absent: ['startedAt'],
      },
    })
    // A fractional epoch-ms time (1710830761973.001) cannot be a Date: it is kept as given.
    expect(source(imported.messages[2]!).raw).toEqual({ endTime: 1710830761973.001 })
  })

  it('maps the early-2024 function_call role to a tool call row', () => {
    const withCall = adapters.vapi.parse(real('vapi/2024-03-report-function-call.json'), context)[0]!
    expect(withCall.messages.at(-1)).toMatchObject({ role: 'tool', content: 'endCall({})', metadata: { start_s: 163.765, tool: { kind: 'call', name: 'endCall', arguments: '{}' } } })
  })

  it('when the artifact list is empty and message.messages has the turns, takes the turns', () => {
    const mid2024 = structuredClone(payload) as { message: Json }
    mid2024.message.artifact = { messages: [] }
    const [session] = adapters.vapi.parse(mid2024, context)
    expect(session!.messages).toHaveLength(4)
    expect(adapters.vapi.toPlatform(throughJson([session!]))).toEqual(mid2024)
  })

  it('reads a call object as GET /call returns it, with times written as 1.72E12', () => {
    const call = JSON.parse(`{"id": "call-obj-1", "orgId": "org-1", "type": "webCall", "startedAt": "2024-07-27T21:23:36.000Z",
      "endedAt": "2024-07-27T21:24:00.000Z", "endedReason": "customer-ended-call",
      "messages": [{"role": "bot", "message": "Hi", "time": 1.722115418016999E12, "secondsFromStart": 2.01}],
      "artifact": {"messages": [{"role": "bot", "message": "Hi", "time": 1.722115418016999E12, "secondsFromStart": 2.01}], "recordingUrl": "https://storage.vapi.ai/r.wav"}}`)
    expect(detectPlatform(call)).toBe('vapi')
    const [session] = adapters.vapi.parse(call, context)
    expect(sessionSource(session!).shape).toBe('call')
    expect(session!.messages[0]!.createdAt.getTime()).toBe(1722115418016)
    expect(session!.session.endedReason).toBe('customer-ended-call')
    expect(session!.session.metadata.recording).toEqual({ url: 'https://storage.vapi.ai/r.wav' })
    expect(adapters.vapi.toPlatform(throughJson([session!]))).toEqual(call)
  })

  it('takes secondsFromStart when a turn has no time', () => {
    const report = fixture('vapi-end-of-call-report.json') as { message: { artifact: { messages: Json[] } } }
    delete report.message.artifact.messages[1]!.time
    const [session] = adapters.vapi.parse(report, context)
    expect(session!.messages[1]!.createdAt.toISOString()).toBe('2025-01-15T10:30:00.850Z')
    expect(adapters.vapi.toPlatform(throughJson([session!]))).toEqual(report)
  })

  it('says a speech-update is a real shape it does not read yet', () => {
    expect(() => adapters.vapi.parse({ message: { type: 'speech-update', status: 'started', role: 'assistant', call: { id: 'x' } } }, context)).toThrow(
      /\/message\/type is "speech-update": a real Vapi server message that Parley does not import yet \(it imports end-of-call-report, status-update and call objects\)/,
    )
  })

  it('reads a 2025 report whose turns sit in message.messages, kept at Vapi\'s own times before its startedAt', () => {
    const [report] = adapters.vapi.parse(real('vapi/2025-02-report-messages-webcall.json'), context)
    expect(sessionSource(report!).shape).toBe('report/messages')
    expect(report!.session).toMatchObject({ startedAt: new Date('2025-02-12T11:06:32.214Z'), endedAt: new Date('2025-02-12T11:07:04.581Z'), endedReason: 'customer-ended-call' })
    expect(report!.session.metadata.recording).toBeUndefined()
    expect(report!.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'user', 'assistant'])
    expect(report!.messages.map((m) => m.createdAt.getTime())).toEqual([1739358390165, 1739358391568, 1739358405408, 1739358409958, 1739358413068, 1739358413138])
    // secondsFromStart, and the end from the fractional endTime 1739358405257.999 (kept as given in raw).
    expect(report!.messages[1]!.metadata).toMatchObject({ start_s: 1.1999999, end_s: 14.889 })
    expect(source(report!.messages[1]!).raw).toMatchObject({ endTime: 1739358405257.999, duration: 12819.99853515625, source: '' })
    expect(report!.messages[4]).toMatchObject({ content: 'Nein, ich möchte nicht mit ihnen sprechen.', metadata: { start_s: 22.7, end_s: 24.73 } })
  })

  it('reads a mid-2025 report from artifact.messages with every recording variant', () => {
    const [report] = adapters.vapi.parse(real('vapi/2025-06-report-artifact-recording-mono.json'), context)
    expect(sessionSource(report!).shape).toBe('report')
    expect(report!.messages.map((m) => [m.role, source(m).role, m.metadata.start_s])).toEqual([
      ['system', 'system', 0],
      ['assistant', 'bot', 1.28],
      ['user', 'user', 3.52],
      ['assistant', 'bot', 6.18],
      ['user', 'user', 14.02],
      ['assistant', 'bot', 16.75],
    ])
    const stored = 'https://storage.vapi.ai/73daba4d-2bcc-4cca-8e49-3d7903467ade-1749546448431-'
    expect(report!.session.metadata.recording).toEqual({
      url: `${stored}3ef3457e-6fe6-4410-b76d-7b135cd4901e-mono.wav`,
      stereo_url: `${stored}2df6e5bd-59d4-4ef3-81d5-7024bef0ce08-stereo.wav`,
      assistant_url: `${stored}40c52d21-edb4-45e3-bacd-8c607f779a93-mono.wav`,
      customer_url: `${stored}9ab3c0a5-d478-4277-93cc-189a4b7c9e62-mono.wav`,
    })
    expect(report!.session.endedAt).toEqual(new Date('2025-06-10T09:07:25.925Z'))
  })

  it('reads a live status-update: in-progress stays active with the turns so far, from the first turn\'s time', () => {
    const [live] = adapters.vapi.parse(real('vapi/2025-06-status-update-in-progress.json'), context)
    expect(sessionSource(live!).shape).toBe('status-update')
    expect(live!.session).toMatchObject({ active: true, endedAt: null, endedReason: null, startedAt: new Date(1749546415876) })
    expect(live!.messages.map((m) => [m.role, m.createdAt.getTime()])).toEqual([['system', 1749546415876]])
    // Same call, same session and rows as its report: the report's turn 0 is this one.
    const [report] = adapters.vapi.parse(real('vapi/2025-06-report-artifact-recording-mono.json'), context)
    expect(live!.session.sessionId).toBe(report!.session.sessionId)
    expect(live!.messages[0]!.id).toBe(report!.messages[0]!.id)
  })

  it('reads an ended status-update without turns: a session from the call\'s createdAt to the update, with its end reason', () => {
    const [ended] = adapters.vapi.parse(real('vapi/2025-02-status-update-ended.json'), context)
    expect(ended!.session.active).toBeUndefined()
    expect(ended!.messages).toEqual([])
    expect(ended!.session).toMatchObject({ startedAt: new Date('2025-02-12T11:06:30.009Z'), endedAt: new Date(1739358427083), endedReason: 'customer-ended-call' })
    expect(sessionSource(ended!).raw).toMatchObject({ message: { status: 'ended', timestamp: 1739358427083, $absent: ['startedAt', 'endedAt'] } })
  })
})

describe('retell, real', () => {
  it('imports a not_connected call_analyzed webhook as a session with no messages and its end reason', () => {
    const [session] = adapters.retell.parse(real('retell/call-analyzed-not-connected.json'), context)
    expect(session!.messages).toEqual([])
    expect(session!.session.endedReason).toBe('invalid_destination')
    expect(session!.session.startedAt.getTime()).toBe(1778699295274)
    expect(sessionSource(session!).raw).toMatchObject({ call: { call_status: 'not_connected', $absent: ['start_timestamp', 'transcript_object'] } })
  })

  it('keeps conversation-flow node transitions as system event rows at their own time_sec', () => {
    const [flow] = adapters.retell.parse(real('retell/flow-node-transitions-call.json'), context)
    expect(flow!.messages.map((m) => [m.role, m.metadata.event ?? null])).toEqual([
      ['system', 'node_transition'],
      ['tool', null],
      ['system', 'node_transition'],
      ['system', 'node_transition'],
    ])
    expect(source(flow!.messages[0]!).raw).toEqual({ former_node_id: 'begin', new_node_id: 'func_00_initialize' })
    const [timed] = adapters.retell.parse(real('retell/flow-node-transition-time-sec-call.json'), context)
    expect(timed!.messages[0]).toMatchObject({ content: 'Kunde identifizieren (NEU) → Intent Erkennung (SILENT)', metadata: { start_s: 16.608 } })
    expect(timed!.messages[0]!.createdAt.getTime() - timed!.session.startedAt.getTime()).toBe(16608)
  })

  it('gives tool calls their own time_sec, and a turn the end of its last word', () => {
    const payload = fixture('retell-call-ended.json') as { call: { start_timestamp: number; transcript_with_tool_calls: Json[] } }
    const turns = payload.call.transcript_with_tool_calls
    const tool = turns.findIndex((turn) => turn.role === 'tool_call_invocation')
    turns[tool]!.time_sec = 9.25
    const [session] = adapters.retell.parse(payload, context)
    expect(session!.messages[tool]!.createdAt.getTime()).toBe(payload.call.start_timestamp + 9250)
    const spoken = turns.findIndex((turn) => Array.isArray(turn.words) && turn.words.length > 1)
    const words = turns[spoken]!.words as Array<{ end: number }>
    expect(session!.messages[spoken]!.metadata.end_s).toBe(words.at(-1)!.end)
    expect(adapters.retell.toPlatform(throughJson([session!]))).toEqual(payload)
  })
})

describe('elevenlabs, real', () => {
  it('reads the post_call_transcription envelope, and pins its raw', () => {
    const payload = real('elevenlabs/post-call-transcription-2025-11.json') as { data: Json & { metadata: Json } }
    const [session] = adapters.elevenlabs.parse(payload, context)
    expect(sessionSource(session!).shape).toBe('webhook')
    expect(session!.session.endedAt?.getTime()).toBe((1763759979 + 12) * 1000)
    expect(session!.session.endedReason).toBe('Call ended by remote party')
    expect(Object.keys(sessionSource(session!).raw)).toEqual(['event_timestamp', 'data'])
    expect(Object.keys(sessionSource(session!).raw.data as Json).sort()).toEqual(['agent_id', 'analysis', 'branch_id', 'conversation_initiation_client_data', 'metadata', 'status', 'user_id'])
    expect(source(session!.messages[0]!).raw).toMatchObject({ agent_metadata: { agent_id: 'agent_3101k1e6xrv2f4eb0xz6nbbrz035' }, source_medium: null })
  })

  it('reads a conversation as GET returns it, with a system tool call and its result at their own time', () => {
    const [call] = adapters.elevenlabs.parse(real('elevenlabs/conversation-data-2025-06-language-tool.json'), context)
    expect(sessionSource(call!).shape).toBe('conversation')
    expect(call!.session).toMatchObject({ startedAt: new Date(1749124522000), endedAt: new Date((1749124522 + 159) * 1000), endedReason: 'Client disconnected' })
    expect(call!.messages).toHaveLength(17)
    expect(call!.messages.slice(3, 7).map((m) => [m.role, m.metadata.start_s, (m.metadata.tool as Json | undefined)?.kind ?? null])).toEqual([
      ['user', 20, null],
      ['tool', 29, 'call'],
      ['tool', 29, 'result'],
      ['assistant', 29, null],
    ])
    expect(call!.messages[4]!.metadata.tool).toMatchObject({ call_id: 'toolu_vrtx_019skxUEQL8u7gN1FkYqXX78', name: 'language_detection' })
    // An interrupted turn keeps what the agent meant to say.
    expect(call!.messages[2]!.metadata).toMatchObject({ interrupted: true, generated_text: expect.stringContaining('twelve-digit Aadhar number') })
  })

  it('reads a conversation that the end_call tool ended', () => {
    const [call] = adapters.elevenlabs.parse(real('elevenlabs/conversation-get-2025-09-end-call-tool.json'), context)
    expect(call!.session.endedReason).toBe('end_call tool was called.')
    expect(call!.messages.map((m) => m.role)).toEqual([...Array<string>(6).fill('').flatMap(() => ['assistant', 'user']), 'assistant', 'tool', 'tool'])
    expect(call!.messages.slice(-2).map((m) => [m.content.slice(0, 9), m.metadata.start_s])).toEqual([
      ['end_call(', 84],
      ['{"result_', 84],
    ])
  })

  it('says a post_call_audio webhook is a real shape it does not read yet', () => {
    expect(() => adapters.elevenlabs.parse({ type: 'post_call_audio', data: { conversation_id: 'c', full_audio: 'AAAA' } }, context)).toThrow(/"post_call_audio": a real ElevenLabs webhook that Parley does not import yet/)
  })
})

describe('livekit, real', () => {
  it('reads a to_dict dump without job_id, keeping agent_config_update as a system event row', () => {
    const payload = real('livekit/history-to-dict-representative.json')
    const [session] = adapters.livekit.parse(payload, context)
    expect(sessionSource(session!).shape).toBe('history')
    expect(session!.messages.map((m) => m.role)).toEqual(['user', 'tool', 'tool', 'system', 'system'])
    expect(session!.messages[4]).toMatchObject({ content: 'Answer weather questions concisely.', metadata: { event: 'agent_config_update' } })
    expect(source(session!.messages[4]!).raw).toEqual({ tools_added: ['get_weather'], tools_removed: [] })
  })

  it('keeps the order of a dump without times, and says the times are order-only', () => {
    const payload = real('livekit/history-to-dict-representative.json') as { items: Json[] }
    for (const item of payload.items) delete item.created_at
    const [session] = adapters.livekit.parse(payload, context)
    expect(sessionSource(session!).timing).toBe('order-only')
    expect(session!.messages.map((m) => m.metadata.start_s)).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect(adapters.livekit.toPlatform(throughJson([session!]))).toEqual(payload)
  })
})

describe('openai-realtime and openai-chat', () => {
  it('without received_at, takes audio_start_ms/audio_end_ms of speech and keeps item order', () => {
    const log = fixture('openai-realtime-events.json') as Json[]
    for (const event of log) delete event.received_at
    const [session] = adapters['openai-realtime'].parse(log, context)
    const started = log.find((event) => event.type === 'input_audio_buffer.speech_started')!
    const stopped = log.find((event) => event.type === 'input_audio_buffer.speech_stopped')!
    const spoken = session!.messages.find((m) => source(m).item === started.item_id)!
    expect(spoken.metadata).toMatchObject({ start_s: (started.audio_start_ms as number) / 1000, end_s: (stopped.audio_end_ms as number) / 1000 })
    const times = session!.messages.map((m) => m.createdAt.getTime())
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(adapters['openai-realtime'].toPlatform(throughJson([session!]))).toEqual(log)
  })

  it('a text-only response keeps the text of response.text.done though the last item the log shows lists no content', () => {
    const [session] = adapters['openai-realtime'].parse(real('openai-realtime/text-only-response-2025-08.json'), context)
    expect(session!.messages).toHaveLength(1)
    expect(session!.messages[0]).toMatchObject({ role: 'assistant', content: expect.stringMatching(/^\{\n  "word": "pending",[\s\S]*just yet\."\n\}$/) })
    expect(sessionSource(session!).timing).toBe('order-only')
  })

  it('a WebRTC log without received_at: user speech at its audio offsets, each reply after the speech it answers', () => {
    const [session] = adapters['openai-realtime'].parse(real('openai-realtime/webrtc-beta-2025-01-no-input-transcription.json'), context)
    const start = session!.session.startedAt.getTime()
    expect(session!.session.sessionId).toBe(importedSessionId('openai-realtime', 'sess_AthMcKDJVhIE8OTTCgdDy'))
    expect(session!.messages.filter((m) => m.role === 'user')).toHaveLength(54)
    expect(session!.messages.filter((m) => m.role === 'assistant')).toHaveLength(21)
    // Input transcription was off: the user's turns are there, without words.
    expect(new Set(session!.messages.filter((m) => m.role === 'user').map((m) => m.content))).toEqual(new Set(['']))
    expect(session!.messages.slice(0, 3).map((m) => [m.role, m.createdAt.getTime() - start, m.metadata.start_s, m.metadata.end_s])).toEqual([
      ['user', 1792, 1.792, 3.072],
      ['assistant', 3072, undefined, undefined],
      ['user', 9024, 9.024, 9.44],
    ])
    expect(session!.messages[1]!.content).toBe("Hey there! I'm doing great, thanks for asking. How about you?")
    const times = session!.messages.map((m) => m.createdAt.getTime())
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('a console log with a truncated reply and an input transcript', () => {
    const [session] = adapters['openai-realtime'].parse(real('openai-realtime/webrtc-console-2025-05-truncated-and-input-transcript.json'), context)
    const start = session!.session.startedAt.getTime()
    expect(session!.messages.map((m) => [m.role, m.content, m.createdAt.getTime() - start])).toEqual([
      ['user', 'Hello!', 0],
      ['assistant', 'Hi there! Thank you for calling. My name is Sarah. How can I assist you with your billing today?', 0],
      ['user', 'Bye.\n', 2900],
      ['assistant', "I'm sorry, I didn't catch that. How can I assist you today?", 3520],
    ])
    expect(session!.messages[1]!.metadata).toMatchObject({ interrupted: true, audio_end_s: 1.86 })
    expect(session!.messages[2]!.metadata).toMatchObject({ start_s: 2.9, end_s: 3.52 })
  })

  it('a recorded Chat Completions request: each tool call one row, each result answering it', () => {
    for (const name of ['openai-chat/pydantic-ai-two-tool-turns.json', 'openai-chat/pydantic-ai-content-null-tool-calls.json']) {
      const [session] = adapters['openai-chat'].parse(real(name), context)
      expect(sessionSource(session!).shape, name).toBe('body')
      expect(session!.messages.map((m) => [m.role, (m.metadata.tool as Json | undefined)?.kind ?? null]), name).toEqual([
        ['user', null],
        ['tool', 'call'],
        ['tool', 'result'],
        ['assistant', null],
        ['user', null],
        ['tool', 'call'],
        ['tool', 'result'],
      ])
      expect(session!.messages[5]!.metadata.tool, name).toMatchObject({ name: 'get_capital', arguments: '{"country":"England"}' })
      expect(session!.messages[6]!.content, name).toBe('London')
    }
    const [image] = adapters['openai-chat'].parse(real('openai-chat/pydantic-ai-tool-returns-image.json'), context)
    // A part that is an image is not text: the row has the text part, the image stays in raw.
    expect(image!.messages.at(-1)).toMatchObject({ role: 'user', content: 'This is file bd38f5:' })
  })

  it('an assistant turn with content "" and one tool call is one row, and round-trips', () => {
    const chat = [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '4C' },
      { role: 'assistant', content: 'It is 4C.' },
    ]
    const [session] = adapters['openai-chat'].parse(chat, context)
    expect(session!.messages.map((m) => m.role)).toEqual(['user', 'tool', 'tool', 'assistant'])
    expect(sessionSource(session!).timing).toBe('order-only')
    expect(adapters['openai-chat'].toPlatform(throughJson([session!]))).toEqual(chat)
  })
})

describeEachBackend('real payloads, stored', (backend) => {
  let tracker: Tracker

  beforeAll(async () => {
    tracker = await createTracker({ database: await backend.migratedDatabase() })
  })

  afterAll(async () => {
    await tracker?.close()
  })

  it('every capture imports with every entry, and again imports nothing new', async () => {
    // A call's report and its live status-update are one session: the one imported later finds it stored.
    const stored = new Set<string>()
    for (const [platform, name] of REAL) {
      const path = join(REAL_DIR, name)
      const sessions = adapters[platform].parse(real(name), context)
      const fresh = sessions.filter((imported) => !stored.has(imported.session.sessionId))
      const first = await importFile(tracker.database, platform, path)
      expect(first, name).toEqual({ sessions: fresh.length, messages: fresh.reduce((n, s) => n + s.messages.length, 0), unchanged: sessions.length - fresh.length, failures: [] })
      for (const imported of fresh) {
        const session = await tracker.getSession(imported.session.sessionId)
        expect(session.messageCount, name).toBe(imported.messages.length)
        expect(session.endedReason, name).toBe(imported.session.endedReason)
        expect(session.isActive, name).toBe(imported.session.active === true)
        expect(session.metadata.recording, name).toEqual(imported.session.metadata.recording)
        stored.add(imported.session.sessionId)
      }
      expect(await importFile(tracker.database, platform, path), name).toEqual({ sessions: 0, messages: 0, unchanged: sessions.length, failures: [] })
    }
    expect(stored.size).toBe(REAL.length - 2)
  })

  it('a report whose session id is someone else\'s session still going is refused, nothing written', async () => {
    const payload = structuredClone(real('vapi/2025-06-report-artifact-recording-mono.json')) as { message: { call: Json } }
    payload.message.call.id = 'someone-elses-call'
    const sessions = adapters.vapi.parse(payload, context)
    const sessionId = sessions[0]!.session.sessionId
    await tracker.startSession({ sessionId, userId: '9f8e7d6c-0000-4000-8000-000000000002' })
    const summary = await importSessions(tracker.database, sessions, { path: 'taken.json' })
    expect(summary).toMatchObject({ sessions: 0, messages: 0, unchanged: 0 })
    expect(summary.failures.map((failure) => failure.message)).toEqual([expect.stringMatching(/^taken\.json: .*stored as another session still going \(not an import of this call\); nothing was written/)])
    expect(await tracker.listMessages(sessionId)).toEqual([])
    expect((await tracker.getSession(sessionId)).isActive).toBe(true)
  })

  it('a live status-update alone: in-progress stays active until its report completes it; ended has its end reason and no turns', async () => {
    const alone = await createTracker({ database: await backend.migratedDatabase() })
    try {
      expect(await importFile(alone.database, 'vapi', join(REAL_DIR, 'vapi/2025-06-status-update-in-progress.json'))).toEqual({ sessions: 1, messages: 1, unchanged: 0, failures: [] })
      const [live] = adapters.vapi.parse(real('vapi/2025-06-status-update-in-progress.json'), context)
      expect(await alone.getSession(live!.session.sessionId)).toMatchObject({ isActive: true, endedAt: null, messageCount: 1 })
      // Its report, imported after it, completes the call: the turns it lacked added, ended with the report's times.
      const [report] = adapters.vapi.parse(real('vapi/2025-06-report-artifact-recording-mono.json'), context)
      const completing = await importFile(alone.database, 'vapi', join(REAL_DIR, 'vapi/2025-06-report-artifact-recording-mono.json'))
      expect(completing).toEqual({ sessions: 1, messages: 5, unchanged: 0, failures: [] })
      expect(await alone.getSession(live!.session.sessionId)).toMatchObject({
        isActive: false,
        messageCount: 6,
        startedAt: report!.session.startedAt,
        endedAt: report!.session.endedAt,
        endedReason: 'customer-ended-call',
      })
      expect((await alone.listMessages(live!.session.sessionId)).map((m) => m.id)).toEqual(report!.messages.map((m) => m.id))
      expect(await importFile(alone.database, 'vapi', join(REAL_DIR, 'vapi/2025-06-report-artifact-recording-mono.json'))).toEqual({ sessions: 0, messages: 0, unchanged: 1, failures: [] })
      expect(await importFile(alone.database, 'vapi', join(REAL_DIR, 'vapi/2025-02-status-update-ended.json'))).toEqual({ sessions: 1, messages: 0, unchanged: 0, failures: [] })
      const [ended] = adapters.vapi.parse(real('vapi/2025-02-status-update-ended.json'), context)
      expect(await alone.getSession(ended!.session.sessionId)).toMatchObject({ isActive: false, endedAt: new Date(1739358427083), endedReason: 'customer-ended-call', messageCount: 0 })
    } finally {
      await alone.close()
    }
  })
})
