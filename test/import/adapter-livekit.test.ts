// LiveKit: the session report and the chat history alone, where the start
// comes from, each item type, and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import type { ImportedSession } from '../../src/import/types.js'
import { adapterUnderTest, fixture } from './support.js'

type Json = Record<string, unknown>
const { context, one, pointerOf } = adapterUnderTest('livekit', 'calls/livekit.json')
const T = 1736937000
const report = () => fixture('livekit-session-report.json') as Json & { chat_history: { items: Json[] } }
const history = (items: Json[]) => ({ items })
const timing = (imported: ImportedSession) => (imported.session.metadata.source as { timing?: string }).timing
const raw = (imported: ImportedSession) => imported.messages.map((m) => (m.metadata.source as { raw: Json }).raw)

describe('livekit shapes and the start', () => {
  it('a report with chat_history is read from there even when it has an `items` list of its own', () => {
    const payload = { ...report(), items: [] }
    const imported = one(payload)
    expect(imported.messages.length).toBe(report().chat_history.items.length)
    expect(imported.session.metadata.source).toMatchObject({ id: 'AJ_kDnZ3qWbB8tHv' })
  })

  it('starts at the first item that has a time, skipping items whose created_at is missing or null', () => {
    const imported = one(history([{ id: 'z', role: 'user', content: ['hey'] }, { id: 'a', role: 'user', content: ['hi'], created_at: null }, { id: 'b', role: 'assistant', content: ['yo'], created_at: T + 5 }]))
    expect(imported.session.startedAt).toEqual(new Date((T + 5) * 1000))
    expect(timing(imported)).toBeUndefined()
    expect(adapters.livekit.platform).toBe('livekit')
  })

  it('with no time anywhere (timestamp null too), starts at the file time and is order-only; an empty history is not', () => {
    const untimed = one({ job_id: 'j', timestamp: null, chat_history: { items: [{ id: 'a', role: 'user', content: ['hi'] }] } })
    expect(untimed.session.startedAt).toEqual(context.modifiedAt)
    expect(untimed.messages[0]!.createdAt).toEqual(context.modifiedAt)
    expect(timing(untimed)).toBe('order-only')
    expect(timing(one(history([])))).toBeUndefined()
    expect(timing(one(history([{ id: 'a', role: 'user', content: ['hi'] }, { id: 'b', role: 'user', content: ['yo'], created_at: T }])))).toBeUndefined()
  })

  it('an item with null metrics is timed by its created_at', () => {
    const imported = one(history([{ id: 'a', role: 'user', content: ['hi'], created_at: T, metrics: null }]))
    expect(imported.messages[0]!.createdAt).toEqual(new Date(T * 1000))
  })
})

describe('livekit items', () => {
  it('stores each item type with its content, and writes it back as it was', () => {
    const items = [
      { id: 'i1', type: 'message', role: 'developer', content: ['Be brief.'], created_at: T },
      { id: 'i2', type: 'message', role: 'system', content: ['Tools on.'], created_at: T + 1 },
      { id: 'i3', type: 'message', role: 'user', content: ['one', { type: 'image', url: 'x' }, 'two'], created_at: T + 2 },
      { id: 'i4', role: 'assistant', created_at: T + 3 },
      { id: 'i5', type: 'function_call', name: 'ping', created_at: T + 4 },
      { id: 'i6', type: 'function_call_output', created_at: T + 5 },
      { id: 'i7', type: 'agent_handoff', created_at: T + 6 },
      { id: 'i8', type: 'agent_handoff', new_agent_id: 'billing', created_at: T + 7 },
      { id: 'i9', type: 'agent_config_update', instructions: ['no'], created_at: T + 8 },
      { id: 'i10', type: 'agent_config_update', instructions: 'Speak Portuguese.', created_at: T + 9 },
      { id: 'i11', type: 'vad_event', created_at: T + 10 },
    ]
    const payload = history(items)
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.metadata.start_s])).toEqual([
      ['system', 'Be brief.', 0],
      ['system', 'Tools on.', 1],
      ['user', 'one\ntwo', 2],
      ['assistant', '', 3],
      ['tool', 'ping()', 4],
      ['tool', '', 5],
      ['system', 'handoff to another agent', 6],
      ['system', 'handoff to billing', 7],
      ['system', '[agent_config_update]', 8],
      ['system', 'Speak Portuguese.', 9],
      ['system', '[vad_event]', 10],
    ])
    expect(imported.messages[4]!.metadata.tool).toEqual({ kind: 'call', call_id: null, name: 'ping', arguments: '' })
    expect(imported.messages[5]!.metadata.tool).toEqual({ kind: 'result', call_id: null, name: null, is_error: false })
    expect(imported.messages.map((m) => m.metadata.event)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'agent_config_update', 'agent_config_update', 'vad_event'])
    expect(raw(imported)[10]).toEqual({})
    // Parts that are not text stay raw, the whole list with them.
    expect(raw(imported)[2]).toEqual({ $absent: ['interrupted'], content: ['one', { type: 'image', url: 'x' }, 'two'] })
    expect(adapters.livekit.toPlatform([imported])).toEqual(payload)
  })
})

describe('livekit bad fields, named by pointer', () => {
  const item = (fields: Json) => (r: Json) => ((r.chat_history as { items: Json[] }).items = [{ id: 'x', created_at: T, ...fields }])
  const at = '/chat_history/items/0'
  const cases: Array<[string, (r: Json) => void, string]> = [
    ['timestamp', (r) => (r.timestamp = 'end'), '/timestamp'],
    ['job_id', (r) => (r.job_id = 4), '/job_id'],
    ['start', (r) => (r.audio_recording_started_at = 'x'), '/started_at'],
    ['type', item({ type: 5 }), `${at}/type`],
    ['id', item({ id: 6, role: 'user' }), `${at}/id`],
    ['metrics', item({ role: 'user', metrics: 'fast' }), `${at}/metrics`],
    ['started_speaking_at', item({ role: 'user', metrics: { started_speaking_at: 'x' } }), `${at}/metrics/started_speaking_at`],
    ['stopped_speaking_at', item({ role: 'user', metrics: { stopped_speaking_at: 'x' } }), `${at}/metrics/stopped_speaking_at`],
    ['created_at', item({ role: 'user', created_at: 'x' }), `${at}/created_at`],
    ['call name', item({ type: 'function_call' }), `${at}/name`],
    ['call arguments', item({ type: 'function_call', name: 'n', arguments: {} }), `${at}/arguments`],
    ['call id', item({ type: 'function_call', name: 'n', call_id: 1 }), `${at}/call_id`],
    ['output', item({ type: 'function_call_output', output: {} }), `${at}/output`],
    ['output call id', item({ type: 'function_call_output', call_id: 2 }), `${at}/call_id`],
    ['output name', item({ type: 'function_call_output', name: 3 }), `${at}/name`],
    ['new_agent_id', item({ type: 'agent_handoff', new_agent_id: 4 }), `${at}/new_agent_id`],
    ['role', item({ role: 5 }), `${at}/role`],
    ['unknown role', item({ role: 'narrator' }), `${at}/role`],
    ['content', item({ role: 'user', content: 'hi' }), `${at}/content`],
  ]
  for (const [name, spoil, pointer] of cases) {
    it(`${name}: refused at ${pointer}`, () => {
      const payload = report()
      spoil(payload)
      expect(pointerOf(payload)).toBe(pointer)
    })
  }
})
