// OpenAI Realtime: a log of server events, bare or under `events`, with and
// without logger stamps. Each item type and event that feeds a row, where
// items are placed, how rows are timed, the events kept raw (audio left out),
// the log written back, and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { contentHashId, importedMessageId, importedSessionId } from '../../src/import/ids.js'
import type { ImportedMessage, ImportedSession } from '../../src/import/types.js'
import { adapterUnderTest, throughJson } from './support.js'

type Json = Record<string, unknown>
const { context, parse, one, pointerOf } = adapterUnderTest('openai-realtime', 'logs/realtime.json')
const realtime = adapters['openai-realtime']
const T0 = Date.parse('2025-03-01T12:00:00.000Z')
/** The logger's stamp `ms` after T0. */
const stamp = (ms: number) => new Date(T0 + ms).toISOString()
const FILE_TIME = context.modifiedAt.getTime()

const message = (id: string, role: string, content?: unknown[]) => ({ id, type: 'message', role, ...(content !== undefined && { content }) })
const added = (item: Json, previous: string | null, more: Json = {}) => ({ type: 'conversation.item.added', previous_item_id: previous, item, ...more })
const created = (id: string, more: Json = {}) => ({ type: 'session.created', session: { id }, ...more })

const source = (m: ImportedMessage) => m.metadata.source as { platform: string; role: string; item: string; raw: { events: Array<[number, Json]> } }
const sessionSource = (imported: ImportedSession) => imported.session.metadata.source as Json & { raw: { events: Array<[number, Json]>; wrapper?: Json } }
/** Each row without its source: item, role, content, ms after `from`, the rest of its metadata. */
const rows = (imported: ImportedSession, from = T0) =>
  imported.messages.map((m) => {
    const { source: _, ...metadata } = m.metadata
    return [source(m).item, m.role, m.content, m.createdAt.getTime() - from, metadata]
  })
const items = (imported: ImportedSession) => imported.messages.map((m) => source(m).item)
const contents = (imported: ImportedSession) => imported.messages.map((m) => m.content)
const errorOf = (payload: unknown): string => {
  try {
    parse(payload)
  } catch (error) {
    return (error as Error).message
  }
  return 'no error'
}

describe('openai-realtime: a stamped log', () => {
  const log = [
    created('sess_1', { received_at: stamp(0) }),
    { type: 'input_audio_buffer.speech_started', received_at: stamp(1000), item_id: 'u1', audio_start_ms: 900 },
    { type: 'input_audio_buffer.speech_stopped', received_at: stamp(2000), item_id: 'u1', audio_end_ms: 1900 },
    added(message('u1', 'user', [{ type: 'input_audio', transcript: null }]), null, { received_at: stamp(2100) }),
    { type: 'response.created', received_at: stamp(2200), response: { id: 'r1' } },
    { type: 'response.output_item.added', received_at: stamp(2300), item: message('a1', 'assistant', []) },
    { type: 'response.output_audio.delta', received_at: stamp(2400), item_id: 'a1', delta: 'AAAABBBB' },
    { type: 'response.output_audio_transcript.done', received_at: stamp(2500), item_id: 'a1', content_index: 0, transcript: 'Hello.' },
    { type: 'conversation.item.done', received_at: stamp(2600), previous_item_id: 'u1', item: message('a1', 'assistant', [{ type: 'output_audio', transcript: 'Hello.' }]) },
    { type: 'conversation.item.input_audio_transcription.completed', received_at: stamp(2700), item_id: 'u1', content_index: 0, transcript: 'Hi there' },
    added({ id: 'f1', type: 'function_call', name: 'lookup', call_id: 'c1', arguments: '{"q":1}' }, 'a1', { received_at: stamp(3000) }),
    added({ id: 'o1', type: 'function_call_output', call_id: 'c1', output: 'found' }, 'f1', { received_at: stamp(3500) }),
    { type: 'response.done', received_at: stamp(4000), response: { id: 'r1', status: 'completed' } },
  ]

  it('stores each item as a row, in previous_item_id order, timed by its first stamp', () => {
    const imported = one(log)
    expect(rows(imported)).toEqual([
      ['u1', 'user', 'Hi there', 2100, { start_s: 2.1 }],
      ['a1', 'assistant', 'Hello.', 2300, { start_s: 2.3 }],
      ['f1', 'tool', 'lookup({"q":1})', 3000, { start_s: 3, tool: { kind: 'call', call_id: 'c1', name: 'lookup', arguments: '{"q":1}' } }],
      ['o1', 'tool', 'found', 3500, { start_s: 3.5, tool: { kind: 'result', call_id: 'c1' } }],
    ])
    expect(imported.messages.map((m) => [source(m).platform, source(m).role, m.audioUrl, m.pointer])).toEqual([
      ['openai-realtime', 'user', null, '/3/item'],
      ['openai-realtime', 'assistant', null, '/8/item'],
      ['openai-realtime', 'function_call', null, '/10/item'],
      ['openai-realtime', 'function_call_output', null, '/11/item'],
    ])
    expect(imported.messages[0]!.id).toBe(importedMessageId('openai-realtime', 'sess_1', 'u1'))
  })

  it('is the session of session.created, from the first stamp to the last', () => {
    expect(one(log).session).toEqual({
      sessionId: importedSessionId('openai-realtime', 'sess_1'),
      userId: null,
      startedAt: new Date(T0),
      endedAt: new Date(T0 + 4000),
      endedReason: null,
      metadata: { source: expect.objectContaining({ platform: 'openai-realtime', id: 'sess_1', shape: 'array' }) },
    })
    expect(sessionSource(one(log)).timing).toBeUndefined()
    expect(realtime.platform).toBe('openai-realtime')
  })

  it('keeps each event raw with its place in the log: on its item, or on the session when it names none; audio as its size', () => {
    const imported = one(log)
    expect(imported.messages.map((m) => source(m).raw.events.map(([index]) => index))).toEqual([[1, 2, 3, 9], [5, 6, 7, 8], [10], [11]])
    expect(source(imported.messages[1]!).raw.events[1]).toEqual([6, { ...log[6], delta: { omitted: 'audio', base64_chars: 8 } }])
    expect(source(imported.messages[0]!).raw.events[0]).toEqual([1, log[1]])
    expect(sessionSource(imported).raw).toEqual({ events: [[0, log[0]], [4, log[4]], [12, log[12]]] })
  })

  it('writes the log back as it was, but for the audio, also after a trip through the database', () => {
    const back = realtime.toPlatform(throughJson([one(log)])) as Json[]
    expect(back).toEqual(log.map((event, index) => (index === 6 ? { ...event, delta: { omitted: 'audio', base64_chars: 8 } } : event)))
  })

  it('writes many sessions back as a list of logs', () => {
    const other = [created('sess_2'), added(message('x', 'user', [{ type: 'input_text', text: 'yo' }]), null)]
    expect(realtime.toPlatform([one(log), one(other)])).toEqual([expect.any(Array), other])
  })
})

describe('openai-realtime: payload shapes and the session id', () => {
  const events = [created('sess_w'), added(message('m1', 'user', [{ type: 'input_text', text: 'hi' }]), null)]

  it('a log under `events` keeps the fields around it and writes back in that shape', () => {
    const payload = { session_id: 'mine', events, note: { by: 'logger' } }
    const imported = one(payload)
    expect(sessionSource(imported)).toMatchObject({ shape: 'object', raw: { events: [[0, events[0]]], wrapper: { session_id: 'mine', note: { by: 'logger' } } } })
    expect(imported.messages[0]!.pointer).toBe('/events/1/item')
    expect(realtime.toPlatform(throughJson([imported]))).toEqual(payload)
  })

  it('a bare log has no wrapper raw', () => {
    expect(sessionSource(one(events)).raw).toEqual({ events: [[0, events[0]]] })
  })

  it('takes the id of session.updated when no session.created came first, and keeps the first id it finds', () => {
    const id = (log: Json[]) => sessionSource(one(log)).id
    expect(id([{ type: 'session.updated', session: { id: 'upd' } }])).toBe('upd')
    expect(id([created('first'), { type: 'session.updated', session: { id: 'second' } }])).toBe('first')
    expect(id([{ type: 'session.created', session: {} }, { type: 'session.updated', session: { id: 'later' } }])).toBe('later')
  })

  it('without a session id, the log is named by a hash of its content', () => {
    const log = [added(message('m1', 'user', [{ type: 'input_text', text: 'hi' }]), null)]
    const imported = one(log)
    expect(sessionSource(imported).id).toBe(contentHashId(log))
    expect(imported.session.sessionId).toBe(importedSessionId('openai-realtime', contentHashId(log)))
  })

  it('an empty log is an empty session at the file time, not order-only', () => {
    const imported = one([])
    expect(imported.messages).toEqual([])
    expect(imported.session.startedAt).toEqual(context.modifiedAt)
    expect(imported.session.endedAt).toBeNull()
    expect(sessionSource(imported)).toEqual({ platform: 'openai-realtime', id: contentHashId([]), shape: 'array', raw: { events: [] } })
  })

  it('without stamps or a file time, starts at the epoch', () => {
    const [imported] = realtime.parse([added(message('m1', 'user', []), null)], { path: 'x.json' })
    expect(imported!.session.startedAt).toEqual(new Date(0))
    expect(imported!.messages[0]!.createdAt).toEqual(new Date(0))
  })

  it('reads epoch stamps, and times from the first event that has one to the last that has one', () => {
    const log = [
      created('s'),
      added(message('m1', 'user', []), null, { received_at: (T0 + 500) / 1000 }),
      added(message('m2', 'assistant', []), 'm1', { received_at: T0 + 1500 }),
      { type: 'response.done', response: {} },
    ]
    const imported = one(log)
    expect(imported.session.startedAt).toEqual(new Date(T0 + 500))
    expect(imported.session.endedAt).toEqual(new Date(T0 + 1500))
    expect(rows(imported, T0 + 500)).toEqual([
      ['m1', 'user', '', 0, { start_s: 0 }],
      ['m2', 'assistant', '', 1000, { start_s: 1 }],
    ])
    // Stamped, without speech: timed, not order-only.
    expect(sessionSource(imported).timing).toBeUndefined()
  })
})

describe('openai-realtime: where items go', () => {
  const user = (id: string) => message(id, 'user', [{ type: 'input_text', text: id }])

  it('previous_item_id null puts an item first, an unknown one last, a known one right after it', () => {
    const log = [added(user('b'), null), added(user('c'), 'b'), added(user('a'), null), added(user('z'), 'nowhere'), added(user('b2'), 'b')]
    expect(items(one(log))).toEqual(['a', 'b', 'b2', 'c', 'z'])
  })

  it('an item first seen without a place takes the place a later event gives it, and then keeps it', () => {
    const log = [
      { type: 'response.output_item.added', item: user('late') },
      added(user('u1'), null),
      added(user('u2'), 'u1'),
      { type: 'conversation.item.done', previous_item_id: 'u1', item: user('late') },
      // A later event naming another place does not move it again.
      { type: 'conversation.item.retrieved', previous_item_id: null, item: user('late') },
    ]
    expect(items(one(log))).toEqual(['u1', 'late', 'u2'])
    expect(items(one(log.slice(0, 3)))).toEqual(['u1', 'u2', 'late'])
  })

  it('every event that carries an item makes or updates its row', () => {
    for (const type of ['conversation.item.created', 'conversation.item.added', 'conversation.item.done', 'conversation.item.retrieved', 'response.output_item.added', 'response.output_item.done']) {
      expect(contents(one([{ type, item: user('m') }])), type).toEqual(['m'])
    }
    expect(one([{ type: 'conversation.item.other', item: user('m') }]).messages).toEqual([])
  })

  it('the last event of an item gives its content and its pointer; its first gives its time', () => {
    const log = [
      added(message('m', 'assistant', []), null, { received_at: stamp(100) }),
      { type: 'conversation.item.done', received_at: stamp(900), item: message('m', 'assistant', [{ type: 'text', text: 'done' }]) },
    ]
    expect(rows(one(log))).toEqual([['m', 'assistant', 'done', 100, { start_s: 0 }]])
    expect(one(log).messages[0]!.pointer).toBe('/1/item')
    // The pointer of a bad field is the one of the item as last seen.
    expect(pointerOf([log[0], { ...log[1], item: { id: 'm', type: 'message', role: 'narrator' } }])).toBe('/1/item/role')
  })
})

describe('openai-realtime: item types', () => {
  it('a message takes the text or transcript of each part (when a string), skipping empty ones, one part a line', () => {
    const parts = [{ type: 'input_text', text: 'a' }, { type: 'input_audio', transcript: 'b' }, { type: 'input_audio', transcript: null }, { type: 'input_audio', transcript: 7 }, { text: 5, transcript: 'c' }, { type: 'input_text', text: '' }, { type: 'x' }, { text: 'd' }]
    expect(contents(one([added(message('m', 'user', parts), null)]))).toEqual(['a\nb\nc\nd'])
  })

  it('a message with no content, or no type, is still a row; each role is its own', () => {
    const log = [added({ id: 'n', role: 'system' }, null), added(message('s', 'system', []), 'n'), added(message('u', 'user', []), 's'), added(message('a', 'assistant', []), 'u')]
    expect(one(log).messages.map((m) => [m.role, m.content, source(m).role])).toEqual([
      ['system', '', 'system'],
      ['system', '', 'system'],
      ['user', '', 'user'],
      ['assistant', '', 'assistant'],
    ])
  })

  it('a function call without arguments or call_id is called with none; an output without output is empty', () => {
    const log = [added({ id: 'f', type: 'function_call', name: 'now', call_id: null }, null), added({ id: 'o', type: 'function_call_output' }, 'f')]
    expect(rows(one(log), FILE_TIME)).toEqual([
      ['f', 'tool', 'now()', 0, { tool: { kind: 'call', call_id: null, name: 'now', arguments: '' } }],
      ['o', 'tool', '', 0, { tool: { kind: 'result', call_id: null } }],
    ])
  })

  it('an item of another type is a system row naming that type', () => {
    const imported = one([added({ id: 'x', type: 'mcp_call', server_label: 'docs' }, null)])
    expect(rows(imported, FILE_TIME)).toEqual([['x', 'system', '[mcp_call]', 0, { event: 'mcp_call' }]])
    expect(source(imported.messages[0]!).role).toBe('mcp_call')
  })
})

describe('openai-realtime: events about an item', () => {
  const assistant = (content: unknown[] = []) => message('a', 'assistant', content)
  const about = (type: string, more: Json) => ({ type, item_id: 'a', ...more })

  it('each transcript and text event fills its content part', () => {
    const cases: Array<[string, string]> = [
      ['conversation.item.input_audio_transcription.completed', 'transcript'],
      ['response.audio_transcript.done', 'transcript'],
      ['response.output_audio_transcript.done', 'transcript'],
      ['response.text.done', 'text'],
      ['response.output_text.done', 'text'],
    ]
    for (const [type, field] of cases) {
      expect(contents(one([added(assistant(), null), about(type, { content_index: 0, [field]: 'said' })])), type).toEqual(['said'])
    }
  })

  it('an event text wins over its part, a missing content_index is the first part, and parts past the item list are added', () => {
    const log = [
      added(assistant([{ type: 'text', text: 'old' }, { type: 'text', text: 'kept' }]), null),
      about('response.text.done', { text: 'new' }),
      about('response.text.done', { content_index: null, text: 'newer' }),
      about('response.text.done', { content_index: 3, text: 'fourth' }),
    ]
    expect(contents(one(log))).toEqual(['newer\nkept\nfourth'])
  })

  it('a truncated reply is interrupted where its audio was cut, with the text it was given', () => {
    const log = [added(assistant([{ type: 'audio', transcript: 'All of it.' }]), null), about('conversation.item.truncated', { content_index: 0, audio_end_ms: 1250 })]
    expect(rows(one(log), FILE_TIME)).toEqual([['a', 'assistant', 'All of it.', 0, { interrupted: true, generated_text: 'All of it.', audio_end_s: 1.25 }]])
  })

  it('a deleted item stays, marked deleted', () => {
    const log = [added(assistant([{ type: 'text', text: 'gone' }]), null), about('conversation.item.deleted', {})]
    expect(rows(one(log), FILE_TIME)).toEqual([['a', 'assistant', 'gone', 0, { deleted: true }]])
  })

  it('an event naming no known item is kept on the session; one whose item_id is no string too', () => {
    const log = [added(assistant(), null), about('response.text.done', { item_id: 'other', text: 'x' }), { type: 'response.text.done', item_id: 7, text: 'y' }]
    const imported = one(log)
    expect(contents(imported)).toEqual([''])
    expect(sessionSource(imported).raw.events).toEqual([[1, log[1]], [2, log[2]]])
  })
})

describe('openai-realtime: audio left out', () => {
  it('each audio chunk is kept as its size, wherever the event is kept', () => {
    const log = [
      added(message('a', 'assistant', []), null),
      { type: 'response.audio.delta', item_id: 'a', delta: 'abc' },
      { type: 'response.output_audio.delta', item_id: 'a', delta: 'abcd' },
      { type: 'input_audio_buffer.append', audio: 'abcde' },
    ]
    const imported = one(log)
    expect(source(imported.messages[0]!).raw.events).toEqual([
      [0, log[0]],
      [1, { ...log[1], delta: { omitted: 'audio', base64_chars: 3 } }],
      [2, { ...log[2], delta: { omitted: 'audio', base64_chars: 4 } }],
    ])
    expect(sessionSource(imported).raw.events).toEqual([[3, { type: 'input_audio_buffer.append', audio: { omitted: 'audio', base64_chars: 5 } }]])
  })

  it('keeps events whole that carry no audio chunk: a chunk that is no string, another field, another event', () => {
    const log = [
      { type: 'response.audio.delta', delta: null },
      { type: 'input_audio_buffer.append', delta: 'not audio' },
      { type: 'response.text.delta', delta: 'Hel' },
      { type: 'session.idle', undefined: 'x' },
    ]
    expect(sessionSource(one(log)).raw.events).toEqual(log.map((event, index) => [index, event]))
  })
})

describe('openai-realtime: times without stamps', () => {
  const speech = (item: string, start: number, end?: number) => [
    { type: 'input_audio_buffer.speech_started', item_id: item, audio_start_ms: start },
    ...(end === undefined ? [] : [{ type: 'input_audio_buffer.speech_stopped', item_id: item, audio_end_ms: end }]),
  ]

  it('speech is timed by the input audio; a reply comes after the speech it answers, not when it began', () => {
    const log = [
      ...speech('u1', 1000, 2500.6),
      added(message('u1', 'user', []), null),
      added(message('a1', 'assistant', []), 'u1'),
      ...speech('u2', 4000),
      added(message('u2', 'user', []), 'a1'),
      added(message('a2', 'assistant', []), 'u2'),
    ]
    const imported = one(log)
    expect(rows(imported, FILE_TIME)).toEqual([
      ['u1', 'user', '', 1000, { start_s: 1, end_s: 2.5006 }],
      ['a1', 'assistant', '', 2501, {}],
      ['u2', 'user', '', 4000, { start_s: 4 }],
      ['a2', 'assistant', '', 4000, {}],
    ])
    // The input audio is a clock: not order-only.
    expect(sessionSource(imported).timing).toBeUndefined()
  })

  it('speech that the log orders before the end of earlier speech comes no earlier than that end', () => {
    const log = [...speech('u1', 1000, 5000), ...speech('u2', 2000, 3000), added(message('u1', 'user', []), null), added(message('u2', 'user', []), 'u1'), added(message('a', 'assistant', []), 'u2')]
    expect(rows(one(log), FILE_TIME)).toEqual([
      ['u1', 'user', '', 1000, { start_s: 1, end_s: 5 }],
      ['u2', 'user', '', 5000, { start_s: 2, end_s: 3 }],
      ['a', 'assistant', '', 5000, {}],
    ])
  })

  it('an item with a stamp is timed by it, not by its speech', () => {
    const log = [created('s', { received_at: stamp(0) }), ...speech('u1', 300, 800), added(message('u1', 'user', []), null, { received_at: stamp(1000) }), added(message('a1', 'assistant', []), 'u1')]
    expect(rows(one(log))).toEqual([
      ['u1', 'user', '', 1000, { start_s: 1 }],
      ['a1', 'assistant', '', 1000, {}],
    ])
  })

  it('a log with neither stamps nor speech keeps only the order of its items, and says so', () => {
    const imported = one([added(message('m1', 'user', []), null), added(message('m2', 'assistant', []), 'm1')])
    expect(rows(imported, FILE_TIME)).toEqual([
      ['m1', 'user', '', 0, {}],
      ['m2', 'assistant', '', 0, {}],
    ])
    expect(sessionSource(imported).timing).toBe('order-only')
    expect(sessionSource(one([...speech('m1', 10), added(message('m1', 'user', []), null)])).timing).toBeUndefined()
    expect(sessionSource(one([...speech('other', 10), added(message('m1', 'user', []), null)])).timing).toBe('order-only')
  })
})

describe('openai-realtime: writing back', () => {
  it('a session whose raw was lost writes back the events its rows still hold', () => {
    const log = [created('s'), added(message('m', 'user', []), null)]
    const imported = one(log)
    const stripped: ImportedSession = { ...imported, session: { ...imported.session, metadata: { source: { ...sessionSource(imported), raw: {} } } } }
    expect(realtime.toPlatform([stripped])).toEqual([log[1]])
    const noRows = { ...imported, messages: imported.messages.map((m) => ({ ...m, metadata: { ...m.metadata, source: { ...source(m), raw: {} } } })) }
    expect(realtime.toPlatform([noRows])).toEqual([log[0]])
  })
})

describe('openai-realtime: bad fields, named by pointer', () => {
  const item = (fields: Json) => [added({ id: 'i', ...fields }, null)]
  const about = (event: Json) => [added(message('i', 'user', []), null), { item_id: 'i', ...event }]
  const cases: Array<[string, unknown, string]> = [
    ['an event that is no object', ['x'], '/0'],
    ['an event without a type', [{ item: {} }], '/0/type'],
    ['a stamp that is no time', [{ type: 'session.idle', received_at: 'soon' }], '/0/received_at'],
    ['a session that is no object', [{ type: 'session.created' }], '/0/session'],
    ['a session id that is no string', [{ type: 'session.updated', session: { id: 3 } }], '/0/session/id'],
    ['an item that is no object', [{ type: 'conversation.item.added', item: 'i' }], '/0/item'],
    ['an item without an id', [{ type: 'conversation.item.added', item: { type: 'message' } }], '/0/item/id'],
    ['a previous_item_id that is no string', [{ type: 'conversation.item.added', previous_item_id: 4, item: { id: 'i', role: 'user' } }], '/0/previous_item_id'],
    ['a content_index that is no number', about({ type: 'response.text.done', content_index: '0', text: 't' }), '/1/content_index'],
    ['a transcript that is no string', about({ type: 'response.audio_transcript.done', transcript: null }), '/1/transcript'],
    ['a text that is no string', about({ type: 'response.output_text.done', transcript: 'wrong field' }), '/1/text'],
    ['a truncation without audio_end_ms', about({ type: 'conversation.item.truncated' }), '/1/audio_end_ms'],
    ['speech without audio_start_ms', about({ type: 'input_audio_buffer.speech_started' }), '/1/audio_start_ms'],
    ['speech without audio_end_ms', about({ type: 'input_audio_buffer.speech_stopped', audio_start_ms: 1 }), '/1/audio_end_ms'],
    ['a function call without a name', item({ type: 'function_call' }), '/0/item/name'],
    ['function call arguments that are no string', item({ type: 'function_call', name: 'n', arguments: {} }), '/0/item/arguments'],
    ['a function call id that is no string', item({ type: 'function_call', name: 'n', call_id: 1 }), '/0/item/call_id'],
    ['an output that is no string', item({ type: 'function_call_output', output: { ok: true } }), '/0/item/output'],
    ['an output call id that is no string', item({ type: 'function_call_output', output: 'o', call_id: 2 }), '/0/item/call_id'],
    ['an item type that is no string', item({ type: 5 }), '/0/item/type'],
    ['a message without a role', item({ type: 'message' }), '/0/item/role'],
    ['content that is no list', item({ role: 'user', content: 'hi' }), '/0/item/content'],
    ['a content part that is no object', item({ role: 'user', content: [{ text: 'a' }, 'b'] }), '/0/item/content/1'],
    ['a log under `events` that is no list', { events: {} }, '/events'],
    ['a payload that is neither a list nor an object', 'log', ''],
    ['an event of a log under `events`', { events: [{ type: 1 }] }, '/events/0/type'],
  ]
  for (const [name, payload, pointer] of cases) {
    it(`${name}: refused at ${pointer || '(document)'}`, () => {
      expect(pointerOf(payload)).toBe(pointer)
    })
  }

  it('a role it does not know is refused, naming the roles it does', () => {
    const payload = [added(message('i', 'narrator', []), null)]
    expect(pointerOf(payload)).toBe('/0/item/role')
    expect(errorOf(payload)).toBe('logs/realtime.json: /0/item/role must be one of user, assistant, system; got "narrator"')
  })
})
