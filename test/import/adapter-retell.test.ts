// Retell: the plain call object and the webhook, each list a call may keep
// its turns in, each entry shape, and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { adapterUnderTest, fixture } from './support.js'

type Json = Record<string, unknown>
const { one, pointerOf } = adapterUnderTest('retell', 'calls/retell.json')
const call = () => (fixture('retell-call-ended.json') as { call: Json }).call
const withItems = (items: unknown, key = 'transcript_with_tool_calls') => {
  const payload = call()
  delete payload.transcript_with_tool_calls
  payload[key] = items
  return payload
}
const offsets = (payload: unknown) => {
  const imported = one(payload)
  return imported.messages.map((m) => [m.role, m.content, (m.createdAt.getTime() - imported.session.startedAt.getTime()) / 1000, m.metadata.start_s, m.metadata.end_s])
}

describe('retell payload shapes', () => {
  it('a call with only transcript_object takes its turns from there', () => {
    const items = [{ role: 'agent', content: 'Hi', words: [{ word: 'Hi', start: 1, end: 1.4 }] }]
    const payload = withItems(items, 'transcript_object')
    expect(offsets(payload)).toEqual([['assistant', 'Hi', 1, 1, 1.4]])
    expect(one(payload).messages[0]!.pointer).toBe('/transcript_object/0')
  })

  it('a null transcript_with_tool_calls gives no rows', () => {
    expect(one(withItems(null)).messages).toEqual([])
    expect(adapters.retell.platform).toBe('retell')
  })

  it('a call object with an `event` field of its own, or a `call` field of its own, is still a call', () => {
    expect(one({ ...call(), event: 'note' }).session.metadata.source).toMatchObject({ shape: 'call' })
    expect(one({ ...call(), call: 'inbound' }).session.metadata.source).toMatchObject({ shape: 'call' })
  })

  it('keeps every recording variant the call has', () => {
    const payload = { ...call(), recording_url: 'https://r/a.wav', recording_multi_channel_url: 'https://r/m.wav', scrubbed_recording_url: 'https://r/s.wav', scrubbed_recording_multi_channel_url: 'https://r/sm.wav' }
    expect(one(payload).session.metadata.recording).toEqual({
      url: 'https://r/a.wav',
      multi_channel_url: 'https://r/m.wav',
      scrubbed_url: 'https://r/s.wav',
      scrubbed_multi_channel_url: 'https://r/sm.wav',
    })
  })
})

describe('retell entries', () => {
  it('events: node transitions by their names or start/?, a DTMF by its digit, the rest by their content or type; null time_sec is after the turn before', () => {
    const items = [
      { role: 'agent', content: 'Hi', words: [{ word: 'Hi', start: 2, end: 2.5 }] },
      { role: 'node_transition', former_node_name: 'greet', new_node_name: 'book', time_sec: 3 },
      { role: 'node_transition', time_sec: null },
      { role: 'node_transition', former_node_name: 4, new_node_name: 5, time_sec: 4 },
      { role: 'dtmf', digit: '5', time_sec: 5 },
      { role: 'dtmf', digit: 5, time_sec: 6 },
      { role: 'note', content: 'said', time_sec: 7 },
    ]
    const payload = withItems(items)
    expect(offsets(payload)).toEqual([
      ['assistant', 'Hi', 2, 2, 2.5],
      ['system', 'greet → book', 3, 3, undefined],
      ['system', 'start → ?', 3, undefined, undefined],
      ['system', 'start → ?', 4, 4, undefined],
      ['system', '5', 5, 5, undefined],
      ['system', '[dtmf]', 6, 6, undefined],
      ['system', 'said', 7, 7, undefined],
    ])
    expect(adapters.retell.toPlatform([one(payload)])).toEqual(payload)
  })

  it('a turn with no words, or an empty word list, is timed after the turn before, with no offsets', () => {
    const items = [
      { role: 'agent', content: 'Hi', words: [{ word: 'Hi', start: 2, end: 2.5 }] },
      { role: 'user', content: 'Yes' },
      { role: 'user', content: 'No', words: [] },
    ]
    const payload = withItems(items)
    expect(offsets(payload)).toEqual([
      ['assistant', 'Hi', 2, 2, 2.5],
      ['user', 'Yes', 2, undefined, undefined],
      ['user', 'No', 2, undefined, undefined],
    ])
    expect(adapters.retell.toPlatform([one(payload)])).toEqual(payload)
  })

  it('a tool result between turns is stored with its content and call id, and writes back as it was', () => {
    const items = [
      { role: 'tool_call_invocation', tool_call_id: 't1', name: 'book', arguments: '{"day":"fri"}', time_sec: 1 },
      { role: 'tool_call_result', tool_call_id: 't1', content: 'booked', time_sec: 2 },
      { role: 'agent', content: 'Done', words: [{ word: 'Done', start: 3, end: 3.5 }] },
    ]
    const payload = withItems(items)
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.metadata.tool])).toEqual([
      ['tool', 'book({"day":"fri"})', { kind: 'call', call_id: 't1', name: 'book', arguments: '{"day":"fri"}' }],
      ['tool', 'booked', { kind: 'result', call_id: 't1' }],
      ['assistant', 'Done', undefined],
    ])
    expect(imported.messages.map((m) => (m.metadata.source as { raw: Json }).raw)).toEqual([{}, {}, { words: [{ word: 'Done', start: 3, end: 3.5 }] }])
    expect(adapters.retell.toPlatform([imported])).toEqual(payload)
  })
})

describe('retell bad fields, named by pointer', () => {
  const words3 = (last: unknown) => [{ role: 'user', content: 'a b c', words: [{ word: 'a', start: 1, end: 1.1 }, { word: 'b', start: 1.2, end: 1.3 }, last] }]
  const cases: Array<[string, (call: Json) => void, string]> = [
    ['call_id', (c) => (c.call_id = 1), '/call_id'],
    ['end_timestamp', (c) => (c.end_timestamp = 'late'), '/end_timestamp'],
    ['start_timestamp', (c) => (c.start_timestamp = 'early'), '/start_timestamp'],
    ['disconnection_reason', (c) => (c.disconnection_reason = 3), '/disconnection_reason'],
    ['the list', (c) => (c.transcript_with_tool_calls = 'x'), '/transcript_with_tool_calls'],
    ['role', (c) => (c.transcript_with_tool_calls = [{ content: 'x' }]), '/transcript_with_tool_calls/0/role'],
    ['time_sec', (c) => (c.transcript_with_tool_calls = [{ role: 'dtmf', time_sec: -1 }]), '/transcript_with_tool_calls/0/time_sec'],
    ['tool name', (c) => (c.transcript_with_tool_calls = [{ role: 'tool_call_invocation', arguments: '{}' }]), '/transcript_with_tool_calls/0/name'],
    ['tool arguments', (c) => (c.transcript_with_tool_calls = [{ role: 'tool_call_invocation', name: 'n', arguments: {} }]), '/transcript_with_tool_calls/0/arguments'],
    ['invocation id', (c) => (c.transcript_with_tool_calls = [{ role: 'tool_call_invocation', name: 'n', tool_call_id: 1 }]), '/transcript_with_tool_calls/0/tool_call_id'],
    ['result id', (c) => (c.transcript_with_tool_calls = [{ role: 'tool_call_result', content: 'r', tool_call_id: 1 }]), '/transcript_with_tool_calls/0/tool_call_id'],
    ['result content', (c) => (c.transcript_with_tool_calls = [{ role: 'tool_call_result', content: {} }]), '/transcript_with_tool_calls/0/content'],
    ['turn content', (c) => (c.transcript_with_tool_calls = [{ role: 'agent', content: 5 }]), '/transcript_with_tool_calls/0/content'],
    ['words', (c) => (c.transcript_with_tool_calls = [{ role: 'agent', content: 'a', words: {} }]), '/transcript_with_tool_calls/0/words'],
    ['the last word', (c) => (c.transcript_with_tool_calls = words3('c')), '/transcript_with_tool_calls/0/words/2'],
    ['the last word end', (c) => (c.transcript_with_tool_calls = words3({ word: 'c', start: 1.4, end: 'x' })), '/transcript_with_tool_calls/0/words/2/end'],
  ]
  for (const [name, spoil, pointer] of cases) {
    it(`${name}: refused at ${pointer}`, () => {
      const payload = call()
      spoil(payload)
      expect(pointerOf(payload)).toBe(pointer)
      expect(pointerOf({ event: 'call_ended', call: payload })).toBe(`/call${pointer}`)
    })
  }

  it('event_timestamp of the webhook: refused at /event_timestamp', () => {
    const payload = call()
    delete payload.start_timestamp
    delete payload.end_timestamp
    expect(pointerOf({ event: 'call_ended', event_timestamp: 'now', call: payload })).toBe('/event_timestamp')
  })
})
