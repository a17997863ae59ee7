import { beforeEach, describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { importedMessageId, importedSessionId } from '../../src/import/ids.js'
import { ImportError } from '../../src/import/import-error.js'
import type { ImportedMessage, ImportedSession, Platform } from '../../src/import/types.js'
import { fixture, FIXTURES, throughJson } from './support.js'

const context = { path: 'calls/test.json', modifiedAt: new Date('2025-02-01T09:00:00.000Z') }

function parse(platform: Platform, name: string): ImportedSession {
  const sessions = adapters[platform].parse(fixture(name), context)
  expect(sessions).toHaveLength(1)
  return sessions[0]!
}

const roles = (messages: ImportedMessage[]) => messages.map((message) => message.role)
const source = (message: ImportedMessage) => message.metadata.source as { platform: string; role: string; item: string; raw: Record<string, unknown> }
const sessionRaw = (imported: ImportedSession) => (imported.session.metadata.source as { raw: Record<string, unknown> }).raw

/** Expects `run` to throw an ImportError at `pointer`. */
function expectBadField(run: () => unknown, pointer: string, problem: RegExp) {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError)
    const importError = error as ImportError
    expect(importError.pointer).toBe(pointer)
    expect(importError.path).toBe(context.path)
    expect(importError.code).toBe('IMPORT_INVALID')
    expect(importError.message).toContain(context.path)
    expect(importError.message).toContain(pointer)
    expect(importError.message).toMatch(problem)
    return
  }
  expect.fail(`no ImportError at ${pointer}`)
}

// Each suite parses its fixture in beforeEach, not while the file loads, so that a
// mutation run (Stryker) sees which test covers which line.
describe('import adapters: round trip', () => {
  for (const [platform, name] of FIXTURES) {
    it(`${platform}: ${name} goes back to its own shape unchanged, also after the database's JSON`, () => {
      const original = fixture(name)
      const sessions = adapters[platform].parse(original, context)
      expect(adapters[platform].toPlatform(sessions)).toEqual(original)
      expect(adapters[platform].toPlatform(throughJson(sessions))).toEqual(original)
    })

    it(`${platform}: the same file gives the same ids; rows are unique and in a known role`, () => {
      const first = adapters[platform].parse(fixture(name), context)
      const again = adapters[platform].parse(fixture(name), { path: 'elsewhere.json', modifiedAt: new Date('2030-01-01T00:00:00Z') })
      expect(again.map((s) => s.session.sessionId)).toEqual(first.map((s) => s.session.sessionId))
      expect(again.flatMap((s) => s.messages.map((m) => m.id))).toEqual(first.flatMap((s) => s.messages.map((m) => m.id)))
      const ids = first.flatMap((s) => s.messages.map((m) => m.id))
      expect(new Set(ids).size).toBe(ids.length)
      for (const message of first.flatMap((s) => s.messages)) expect(['user', 'assistant', 'system', 'tool']).toContain(message.role)
    })
  }
})

describe('vapi', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('vapi', 'vapi-end-of-call-report.json')
  })
  const callId = 'c3a1f0e2-5b7d-4e8a-9c21-7f3e2d1b0a94'

  it('maps bot to assistant, tool calls and results to their own tool rows, keeping the original role', () => {
    expect(roles(imported.messages)).toEqual(['system', 'assistant', 'user', 'tool', 'tool', 'assistant', 'user'])
    expect(imported.messages.map((m) => source(m).role)).toEqual(['system', 'bot', 'user', 'tool_calls', 'tool_call_result', 'bot', 'user'])
    expect(imported.messages[3]!.metadata.tool).toEqual({ kind: 'call', call_id: 'call_7Hq2xLm', name: 'get_forecast', arguments: '{"city":"Lisbon","day":"tomorrow"}' })
    expect(imported.messages[4]!.metadata.tool).toEqual({ kind: 'result', call_id: 'call_7Hq2xLm', name: 'get_forecast' })
    expect(imported.messages[4]!.content).toBe('{"summary":"sunny","high_c":24}')
  })

  it('takes the call start, epoch-ms utterance times and offsets from the start', () => {
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-15T10:30:00.000Z')
    expect(imported.session.endedAt?.toISOString()).toBe('2025-01-15T10:31:12.500Z')
    expect(imported.session.endedReason).toBe('customer-ended-call')
    const greeting = imported.messages[1]!
    expect(greeting.createdAt.toISOString()).toBe('2025-01-15T10:30:00.850Z')
    expect(greeting.metadata).toMatchObject({ start_s: 0.85, end_s: 3.4 })
  })

  it('derives ids from the call id and keeps unmapped fields raw', () => {
    expect(imported.session.sessionId).toBe(importedSessionId('vapi', callId))
    expect(imported.messages[1]!.id).toBe(importedMessageId('vapi', callId, '1'))
    expect(imported.session.metadata.source).toMatchObject({ platform: 'vapi', id: callId })
    expect(sessionRaw(imported)).toMatchObject({ message: { cost: 0.1342, call: { orgId: '8f2d4c61-0b3e-4a8f-9d1c-52e7a6b4f013' } } })
    expect(source(imported.messages[1]!).raw).toEqual({ duration: 2550, source: '' })
  })

  it('names the file and the JSON pointer of a bad time', () => {
    expectBadField(() => adapters.vapi.parse(fixture('vapi-bad-time.json'), context), '/message/artifact/messages/3/time', /must be a time/)
  })

  it('keeps an entry of a role it has no mapping for as a system event row, and round-trips it', () => {
    const payload = fixture('vapi-end-of-call-report.json') as { message: { artifact: { messages: Array<Record<string, unknown>> } } }
    payload.message.artifact.messages[2]!.role = 'narrator'
    const sessions = adapters.vapi.parse(payload, context)
    const kept = sessions[0]!.messages[2]!
    expect(kept).toMatchObject({ role: 'system', metadata: { event: 'narrator', source: { role: 'narrator', item: '2' } } })
    expect(kept.content).toBe(payload.message.artifact.messages[2]!.message)
    expect(adapters.vapi.toPlatform(throughJson(sessions))).toEqual(payload)
  })

  it('still refuses an entry without a role at its pointer', () => {
    const payload = fixture('vapi-end-of-call-report.json') as { message: { artifact: { messages: Array<Record<string, unknown>> } } }
    delete payload.message.artifact.messages[2]!.role
    expectBadField(() => adapters.vapi.parse(payload, context), '/message/artifact/messages/2/role', /must be a string/)
  })
})

describe('retell', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('retell', 'retell-call-ended.json')
  })

  it('maps agent to assistant and transfer_target to user, tool invocations and results to tool rows in place', () => {
    expect(roles(imported.messages)).toEqual(['assistant', 'user', 'tool', 'tool', 'assistant', 'user', 'assistant', 'user'])
    expect(source(imported.messages.at(-1)!).role).toBe('transfer_target')
    expect(imported.messages[2]!.metadata.tool).toMatchObject({ kind: 'call', call_id: 'tc_81f2', name: 'check_availability' })
    expect(imported.messages[3]!.content).toBe('{"free_slots":["10:00","15:30"]}')
  })

  it('times each turn from its first and last word, seconds from the epoch-ms start', () => {
    expect(imported.session.startedAt.getTime()).toBe(1714608475945)
    expect(imported.session.endedAt?.getTime()).toBe(1714608531736)
    expect(imported.session.endedReason).toBe('call_transfer')
    expect(imported.messages[0]!.createdAt.getTime()).toBe(1714608475945 + 660)
    expect(imported.messages[0]!.metadata).toMatchObject({ start_s: 0.66, end_s: 3.24 })
    // Tool entries have no time of their own: they follow the turn before them.
    expect(imported.messages[2]!.createdAt).toEqual(imported.messages[1]!.createdAt)
  })

  it('keeps the word timings raw, and derives the plain transcripts instead of storing them twice', () => {
    expect(source(imported.messages[0]!).raw).toHaveProperty('words')
    expect(sessionRaw(imported)).not.toHaveProperty('call.transcript_object')
    expect(sessionRaw(imported)).not.toHaveProperty('call.transcript')
    expect(sessionRaw(imported)).toMatchObject({ call: { agent_id: 'oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD' } })
  })

  it('names the pointer of a word without a start', () => {
    const payload = fixture('retell-call-ended.json') as { call: { transcript_with_tool_calls: Array<{ words?: Array<Record<string, unknown>> }> } }
    delete payload.call.transcript_with_tool_calls[4]!.words![0]!.start
    expectBadField(() => adapters.retell.parse(payload, context), '/call/transcript_with_tool_calls/4/words/0/start', /must be a number/)
  })
})

describe('elevenlabs', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('elevenlabs', 'elevenlabs-conversation.json')
  })

  it('keeps what was said of an interrupted turn as content and the generated text in metadata', () => {
    const cut = imported.messages.find((m) => m.metadata.interrupted === true)!
    expect(cut.content).toBe('Yes, Tram 28 is running today, with delays of about')
    expect(cut.metadata.generated_text).toBe('Yes, Tram 28 is running today, with delays of about five minutes. The best place to board is Martim Moniz.')
    expect(cut.role).toBe('assistant')
  })

  it('turns a turn of tool calls and results into tool rows, and times turns from the epoch-s start', () => {
    expect(roles(imported.messages)).toEqual(['assistant', 'user', 'tool', 'tool', 'assistant', 'user'])
    expect(imported.messages[2]!.metadata.tool).toMatchObject({ kind: 'call', call_id: 'get_tram_status_7c1', name: 'get_tram_status' })
    expect(imported.messages[3]!.metadata.tool).toMatchObject({ kind: 'result', result: '{"running":true,"delay_min":5}' })
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-15T10:30:00.000Z')
    expect(imported.session.endedAt?.toISOString()).toBe('2025-01-15T10:30:41.000Z')
    expect(imported.messages[1]!.createdAt.toISOString()).toBe('2025-01-15T10:30:04.000Z')
    expect(imported.messages[1]!.metadata.start_s).toBe(4)
  })

  it('names the pointer of a missing time_in_call_secs', () => {
    const payload = fixture('elevenlabs-conversation.json') as { transcript: Array<Record<string, unknown>> }
    payload.transcript[3]!.time_in_call_secs = 'soon'
    expectBadField(() => adapters.elevenlabs.parse(payload, context), '/transcript/3/time_in_call_secs', /must be a number/)
  })
})

describe('livekit', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('livekit', 'livekit-session-report.json')
  })

  it('uses when each utterance started, seconds from the recording start, and marks interrupted replies', () => {
    expect(imported.session.startedAt.getTime()).toBe(1736937000250)
    expect(imported.session.endedAt?.getTime()).toBe(1736937052410)
    expect(imported.messages[1]!.createdAt.getTime()).toBe(1736937005100)
    expect(imported.messages[1]!.metadata).toMatchObject({ start_s: 4.85, end_s: 7.2 })
    const cut = imported.messages[4]!
    expect(cut.metadata.interrupted).toBe(true)
    expect(cut.content).toBe('We have five bikes free tomorrow, so two is no problem. Would you like')
  })

  it('keeps function calls and outputs as tool rows, keyed by the item ids', () => {
    expect(roles(imported.messages)).toEqual(['assistant', 'user', 'tool', 'tool', 'assistant', 'user'])
    expect(imported.messages[2]!.id).toBe(importedMessageId('livekit', 'AJ_kDnZ3qWbB8tHv', 'item_a9c8e7d6b5a4'))
    expect(imported.messages[3]!.metadata.tool).toMatchObject({ kind: 'result', call_id: 'call_bk1Qz', is_error: false })
    // A created_at a millisecond Date cannot hold is kept exactly.
    expect(source(imported.messages[0]!).raw).toMatchObject({ created_at: 1736937001.104321 })
  })

  it('names the pointer of an unknown role', () => {
    const payload = fixture('livekit-session-report.json') as { chat_history: { items: Array<Record<string, unknown>> } }
    payload.chat_history.items[5]!.role = 'caller'
    expectBadField(() => adapters.livekit.parse(payload, context), '/chat_history/items/5/role', /got "caller"/)
  })
})

describe('openai-realtime', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('openai-realtime', 'openai-realtime-events.json')
  })

  it('orders items by previous_item_id, not by arrival, and fills late transcripts in', () => {
    expect(imported.messages.map((m) => source(m).item)).toEqual(['item_S1', 'item_U1', 'item_A1', 'item_U2', 'item_F1', 'item_O1', 'item_A2'])
    expect(imported.messages[1]!.content).toBe("What's the weather in Porto?")
    expect(imported.messages[3]!.content).toBe('And tomorrow?')
    expect(roles(imported.messages)).toEqual(['system', 'user', 'assistant', 'user', 'tool', 'tool', 'assistant'])
    expect(imported.messages[4]!.metadata.tool).toMatchObject({ kind: 'call', name: 'get_weather', arguments: '{"city":"Porto","day":"tomorrow"}' })
  })

  it('marks a truncated reply as interrupted, with where the audio was cut', () => {
    expect(imported.messages[6]!.metadata).toMatchObject({ interrupted: true, audio_end_s: 2.3 })
  })

  it('takes the session id and times from the log', () => {
    expect(imported.session.sessionId).toBe(importedSessionId('openai-realtime', 'sess_C9xKq2LmT7'))
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-15T10:30:00.000Z')
    expect(imported.messages[1]!.metadata.start_s).toBe(3.46)
  })

  it('leaves audio chunks out, noting their size, so a log with the recording still fits a message', () => {
    const payload = fixture('openai-realtime-events.json') as Array<Record<string, unknown>>
    const chunk = 'UklGRg'.repeat(4000) // 24,000 base64 characters, as a real delta carries
    const at = payload.findIndex((event) => event.type === 'response.output_audio_transcript.done')
    const deltas = Array.from({ length: 40 }, (_, index) => ({ event_id: `event_D${index}`, type: 'response.output_audio.delta', item_id: 'item_A1', delta: chunk }))
    payload.splice(at, 0, ...deltas)
    const [withAudio] = adapters['openai-realtime'].parse(payload, context)
    const reply = withAudio!.messages.find((message) => source(message).item === 'item_A1')!
    expect(reply.content).toBe(imported.messages[2]!.content)
    expect(JSON.stringify(reply.metadata).length).toBeLessThan(64 * 1024)
    expect(JSON.stringify(reply.metadata)).toContain('{"omitted":"audio","base64_chars":24000}')
    expect(withAudio!.messages.map((message) => message.content)).toEqual(imported.messages.map((message) => message.content))
  })

  it('names the pointer of an item without an id', () => {
    const payload = fixture('openai-realtime-events.json') as Array<{ item?: Record<string, unknown> }>
    delete payload[13]!.item!.id
    expectBadField(() => adapters['openai-realtime'].parse(payload, context), '/13/item/id', /must be a string/)
  })
})

describe('openai-chat', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('openai-chat', 'openai-chat-messages.json')
  })

  it('maps developer to system, and each tool call and result to its own row', () => {
    expect(roles(imported.messages)).toEqual(['system', 'user', 'tool', 'tool', 'tool', 'tool', 'assistant', 'user'])
    expect(source(imported.messages[0]!).role).toBe('developer')
    expect(imported.messages[2]!.metadata.tool).toMatchObject({ kind: 'call', call_id: 'call_Rt81', name: 'find_restaurants' })
    expect(imported.messages[4]!.metadata.tool).toMatchObject({ kind: 'result', call_id: 'call_Rt81' })
    expect(imported.messages[7]!.content).toBe('Yes, book it.\nWindow seat if possible.')
  })

  it('derives its id from the content (whitespace aside), and takes the file time', () => {
    const again = adapters['openai-chat'].parse(JSON.parse(JSON.stringify(fixture('openai-chat-messages.json'), null, 4)), context)[0]!
    expect(again.session.sessionId).toBe(imported.session.sessionId)
    expect((imported.session.metadata.source as { id: string }).id).toMatch(/^sha256:[0-9a-f]{32}$/)
    const changed = fixture('openai-chat-messages.json') as Array<Record<string, unknown>>
    changed[1]!.content = 'Book me a table for three.'
    expect(adapters['openai-chat'].parse(changed, context)[0]!.session.sessionId).not.toBe(imported.session.sessionId)
    expect(imported.session.startedAt).toEqual(context.modifiedAt)
  })

  it('names the pointer of an unknown role', () => {
    const payload = fixture('openai-chat-messages.json') as Array<Record<string, unknown>>
    payload[3]!.role = 'robot'
    expectBadField(() => adapters['openai-chat'].parse(payload, context), '/3/role', /got "robot"/)
  })
})

describe('vercel-ui', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('vercel-ui', 'vercel-ui-chat.json')
  })

  it('makes rows of text parts and tool parts (call, then output or error), keeping the rest raw', () => {
    expect(roles(imported.messages)).toEqual(['user', 'tool', 'tool', 'assistant', 'user', 'tool', 'tool', 'assistant'])
    expect(imported.messages[1]!.metadata.tool).toMatchObject({ kind: 'call', call_id: 'call_fw9', name: 'getWeather', state: 'output-available' })
    expect(JSON.parse(imported.messages[2]!.content)).toEqual({ saturday: 'sunny 22C', sunday: 'cloudy 19C' })
    expect(imported.messages[6]!.metadata.tool).toMatchObject({ kind: 'result', is_error: true })
    expect(imported.messages[6]!.content).toBe('No rooms left for Saturday.')
    expect(JSON.stringify(source(imported.messages[5]!).raw)).toContain('reasoning')
  })

  it('takes the chat id and the times of message metadata', () => {
    expect(imported.session.sessionId).toBe(importedSessionId('vercel-ui', 'chat_Zr4m8Qp1'))
    expect(imported.session.startedAt.getTime()).toBe(1736937000000)
    expect(imported.messages[3]!.createdAt.getTime()).toBe(1736937002500)
    expect(imported.messages[3]!.metadata.start_s).toBe(2.5)
  })

  it('names the pointer of parts that are not an array', () => {
    const payload = fixture('vercel-ui-chat.json') as { messages: Array<Record<string, unknown>> }
    payload.messages[2]!.parts = 'hello'
    expectBadField(() => adapters['vercel-ui'].parse(payload, context), '/messages/2/parts', /must be an array/)
  })
})

describe('parley', () => {
  let imported!: ImportedSession
  beforeEach(() => {
    imported = parse('parley', 'parley-export.json')
  })

  it('keeps ids, times, roles and metadata as exported', () => {
    expect(imported.session.sessionId).toBe('0194a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b')
    expect(imported.session.userId).toBe('9f8e7d6c-5b4a-4321-8fed-cba987654321')
    expect(imported.session.endedReason).toBe('hangup')
    expect(imported.messages[0]).toMatchObject({ id: '0194a1b2-c3d5-7000-8000-000000000001', audioUrl: 'https://audio.example.com/turn-1.wav', metadata: { start_s: 2.1, end_s: 4.3 } })
  })

  it('reads a single {session, messages} too, and refuses another version at /version', () => {
    const document = fixture('parley-export.json') as { sessions: unknown[]; version: number }
    expect(adapters.parley.parse(document.sessions[0], context)[0]!.messages).toHaveLength(3)
    document.version = 2
    expectBadField(() => adapters.parley.parse(document, context), '/version', /must be 1/)
  })
})

describe('vapi, an older report without an artifact', () => {
  it('reads message.messages and still round-trips', () => {
    const payload = fixture('vapi-end-of-call-report.json') as { message: Record<string, unknown> & { artifact: { messages: unknown[] } } }
    payload.message.messages = payload.message.artifact.messages
    delete (payload.message as { artifact?: unknown }).artifact
    const sessions = adapters.vapi.parse(payload, context)
    expect(sessions[0]!.messages).toHaveLength(7)
    expect(adapters.vapi.toPlatform(throughJson(sessions))).toEqual(payload)
  })
})
