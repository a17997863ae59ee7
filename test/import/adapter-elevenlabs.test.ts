// ElevenLabs: each payload shape and each turn shape, with what is stored
// pinned exactly (raw remainder included), and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import type { ImportedMessage } from '../../src/import/types.js'
import { adapterUnderTest, fixture } from './support.js'

type Json = Record<string, unknown>
const { one, pointerOf } = adapterUnderTest('elevenlabs', 'calls/el.json')
const conversation = () => fixture('elevenlabs-conversation.json') as Json
const withTranscript = (transcript: unknown) => ({ ...conversation(), transcript })
const raw = (message: ImportedMessage) => (message.metadata.source as { raw: Json }).raw

describe('elevenlabs turns', () => {
  it('keeps a turn of a role it has no mapping for as a system event row, with its text or its type, and writes it back', () => {
    const payload = withTranscript([
      { role: 'system', message: 'call transferred', time_in_call_secs: 2 },
      { role: 'system', time_in_call_secs: 3 },
      { role: 'system', message: 42, time_in_call_secs: 4 },
    ])
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.metadata.event, m.metadata.start_s])).toEqual([
      ['system', 'call transferred', 'system', 2],
      ['system', '[system]', 'system', 3],
      ['system', '[system]', 'system', 4],
    ])
    expect(raw(imported.messages[0]!)).toEqual({})
    expect(imported.messages.map((m) => m.pointer)).toEqual(['/transcript/0', '/transcript/1', '/transcript/2'])
    expect(adapters.elevenlabs.toPlatform([imported])).toEqual(payload)
  })

  it('a turn with neither text nor tools is one empty row of its speaker, and writes back as it was', () => {
    const payload = withTranscript([{ role: 'user', message: null, time_in_call_secs: 5 }])
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.pointer, m.metadata.start_s])).toEqual([['user', '', '/transcript/0', 5]])
    expect(adapters.elevenlabs.toPlatform([imported])).toEqual(payload)
  })

  it('a null transcript gives no rows; a transcript that is not a list is refused', () => {
    expect(one(withTranscript(null)).messages).toEqual([])
    expect(pointerOf(withTranscript({}))).toBe('/transcript')
    expect(one(withTranscript([{ role: 'user', message: 'hi', tool_calls: null, tool_results: null, time_in_call_secs: 1 }])).messages.map((m) => m.content)).toEqual(['hi'])
    expect(adapters.elevenlabs.platform).toBe('elevenlabs')
  })

  it('stores tool calls and results with their content, and nothing of them is left for the raw remainder', () => {
    const turn = {
      role: 'agent',
      message: 'Let me check.',
      time_in_call_secs: 3,
      tool_calls: [{ request_id: 'r1', tool_name: 'weather', params_as_json: '{"city":"Oslo"}' }],
      tool_results: [{ request_id: 'r1', tool_name: 'weather', result_value: '{"temp":4}' }],
      interrupted: false,
      original_message: null,
    }
    const payload = withTranscript([turn])
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.pointer])).toEqual([
      ['assistant', 'Let me check.', '/transcript/0'],
      ['tool', 'weather({"city":"Oslo"})', '/transcript/0/tool_calls/0'],
      ['tool', '{"temp":4}', '/transcript/0/tool_results/0'],
    ])
    expect(raw(imported.messages[0]!)).toEqual({})
    expect(adapters.elevenlabs.toPlatform([imported])).toEqual(payload)
  })

  it('without duration the call has no end; with it, it ends that long after its start', () => {
    const payload = conversation()
    const meta = payload.metadata as Json
    const ended = one(payload).session
    expect(ended.endedAt!.getTime() - ended.startedAt.getTime()).toBe((meta.call_duration_secs as number) * 1000)
    delete meta.call_duration_secs
    expect(one(payload).session.endedAt).toBeNull()
  })

  it('an object with `data` but no `type` is no webhook: it is read as a conversation', () => {
    expect(pointerOf({ data: conversation() })).toBe('/conversation_id')
  })
})

describe('elevenlabs bad fields, named by pointer', () => {
  const cases: Array<[string, (payload: Json) => void, string]> = [
    ['conversation_id', (p) => (p.conversation_id = 7), '/conversation_id'],
    ['metadata', (p) => (p.metadata = null), '/metadata'],
    ['start time', (p) => ((p.metadata as Json).start_time_unix_secs = 'soon'), '/metadata/start_time_unix_secs'],
    ['duration', (p) => ((p.metadata as Json).call_duration_secs = '10'), '/metadata/call_duration_secs'],
    ['termination_reason', (p) => ((p.metadata as Json).termination_reason = 3), '/metadata/termination_reason'],
    ['role', (p) => (p.transcript = [{ message: 'hi', time_in_call_secs: 1 }]), '/transcript/0/role'],
    ['message', (p) => (p.transcript = [{ role: 'user', message: 4, time_in_call_secs: 1 }]), '/transcript/0/message'],
    ['original_message', (p) => (p.transcript = [{ role: 'agent', message: 'a', interrupted: true, original_message: 5, time_in_call_secs: 1 }]), '/transcript/0/original_message'],
    ['tool_calls', (p) => (p.transcript = [{ role: 'agent', message: 'a', tool_calls: {}, time_in_call_secs: 1 }]), '/transcript/0/tool_calls'],
    ['tool_name', (p) => (p.transcript = [{ role: 'agent', message: 'a', tool_calls: [{ request_id: 'r' }], time_in_call_secs: 1 }]), '/transcript/0/tool_calls/0/tool_name'],
    ['request_id', (p) => (p.transcript = [{ role: 'agent', message: 'a', tool_results: [{ tool_name: 't', request_id: 9 }], time_in_call_secs: 1 }]), '/transcript/0/tool_results/0/request_id'],
  ]
  for (const [name, spoil, pointer] of cases) {
    it(`${name}: refused at ${pointer}`, () => {
      const payload = conversation()
      spoil(payload)
      expect(pointerOf(payload)).toBe(pointer)
      expect(pointerOf({ type: 'post_call_transcription', data: payload })).toBe(`/data${pointer}`)
    })
  }
})
