// Vapi: the report, the status-update and the call object, each list a
// payload may keep its turns in, how each turn is timed, each entry shape,
// and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import type { ImportedSession } from '../../src/import/types.js'
import { adapterUnderTest, fixture } from './support.js'

type Json = Record<string, unknown>
const { parse, one, pointerOf } = adapterUnderTest('vapi', 'calls/vapi.json')
const START = '2025-01-01T10:00:00.000Z'
const report = () => (fixture('vapi-end-of-call-report.json') as { message: Json }).message
const body = (message: Json) => ({ message })
/** A report with these turns in artifact.messages, started at `startedAt` (none when null). */
const withItems = (items: unknown, startedAt: string | null = START) => {
  const message = report()
  message.artifact = { messages: items }
  if (startedAt === null) delete message.startedAt
  else message.startedAt = startedAt
  return body(message)
}
const shape = (imported: ImportedSession) => (imported.session.metadata.source as { shape: string; timing?: string })
const times = (imported: ImportedSession) => imported.messages.map((m) => [m.createdAt.toISOString(), m.metadata.start_s, m.metadata.end_s])

describe('vapi payload shapes', () => {
  it('a body with an `id` beside its message is a report; one with neither is refused at /message', () => {
    expect(shape(one({ ...body(report()), id: 'x' })).shape).toBe('report')
    expect(pointerOf({})).toBe('/message')
  })

  it('a call object whose `type` is the call type (webCall) is read, not refused as a server message', () => {
    const { call, type: _type, ...rest } = report() as Json & { call: Json }
    const callObject = { ...rest, id: call.id, type: 'webCall' }
    expect(one(callObject).messages.length).toBeGreaterThan(0)
  })

  it('a call object or a status-update with turns in `messages` writes back in that shape', () => {
    const items = [{ role: 'user', message: 'hi', secondsFromStart: 1 }]
    const callObject = { id: 'call-1', startedAt: START, messages: items }
    expect(shape(one(callObject)).shape).toBe('call/messages')
    expect(adapters.vapi.toPlatform([one(callObject)])).toEqual(callObject)
    expect((one(callObject).session.metadata.source as { raw: Json }).raw).toEqual({})
    const update = body({ type: 'status-update', status: 'ended', call: { id: 'call-2' }, startedAt: START, messages: items })
    expect(shape(one(update)).shape).toBe('status-update/messages')
    expect(adapters.vapi.toPlatform([one(update)])).toEqual(update)
    // A status-update's status is not a column: it is the one field kept raw.
    expect((one(update).session.metadata.source as { raw: Json }).raw).toEqual({ message: { status: 'ended' } })
  })

  it('a server message without a `type` is read as a report', () => {
    const message = report()
    delete message.type
    expect(one(body(message)).messages.length).toBeGreaterThan(0)
    expect(adapters.vapi.platform).toBe('vapi')
  })

  it('a null artifact, null lists and two empty lists give no rows, in the report shape', () => {
    for (const message of [{ artifact: null }, { artifact: { messages: null } }, { artifact: { messages: [] }, messages: null }, { artifact: { messages: [] }, messages: [] }]) {
      const payload = body({ type: 'end-of-call-report', call: { id: 'c' }, startedAt: START, ...message })
      const imported = one(payload)
      expect(imported.messages).toEqual([])
      expect(shape(imported).shape).toBe('report')
    }
  })

  it('keeps the artifact video recording', () => {
    const message = report()
    message.artifact = { messages: [], videoRecordingUrl: 'https://v/1.mp4' }
    delete message.recordingUrl
    expect(one(body(message)).session.metadata.recording).toEqual({ url: 'https://v/1.mp4', video_url: 'https://v/1.mp4' })
  })
})

describe('vapi turn times', () => {
  it('a turn without a time comes after the turn before, not at the start', () => {
    const imported = one(withItems([{ role: 'user', message: 'a', secondsFromStart: 3 }, { role: 'assistant', message: 'b' }]))
    expect(times(imported)).toEqual([
      ['2025-01-01T10:00:03.000Z', 3, undefined],
      ['2025-01-01T10:00:03.000Z', undefined, undefined],
    ])
    expect(imported.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
  })

  it('without a start, a turn timed by an ISO `time` and no offset starts the call', () => {
    const imported = one(withItems([{ role: 'user', message: 'a', time: '2025-01-01T10:00:05.000Z' }], null))
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-01T10:00:05.000Z')
    expect(times(imported)).toEqual([['2025-01-01T10:00:05.000Z', 0, undefined]])
    expect(shape(imported).timing).toBeUndefined()
  })

  it('is order-only only when no turn has a time, no turn an offset, and the call no start', () => {
    const timing = (items: Json[], startedAt: string | null) => shape(one(withItems(items, startedAt))).timing
    expect(timing([{ role: 'user', message: 'a' }], START)).toBeUndefined()
    expect(timing([{ role: 'user', message: 'a' }, { role: 'user', message: 'b', secondsFromStart: 1 }], null)).toBeUndefined()
    expect(timing([{ role: 'user', message: 'a', time: Date.parse(START) }], null)).toBeUndefined()
    expect(timing([{ role: 'user', message: 'a' }], null)).toBe('order-only')
  })

  it('an endTime on a turn with no start offset gives no end offset', () => {
    const imported = one(withItems([{ role: 'user', message: 'a', endTime: Date.parse(START) + 2000 }], null))
    expect(imported.messages[0]!.metadata.end_s).toBeUndefined()
  })
})

describe('vapi entries', () => {
  it('an event row takes its text when it is a string, else its type, and writes back with only what it could not keep raw (a text that was no string)', () => {
    const payload = withItems([{ role: 'hangup', message: 'bye', secondsFromStart: 1 }, { role: 'hangup', message: 3, secondsFromStart: 2 }])
    const imported = one(payload)
    expect(imported.messages.map((m) => [m.role, m.content, m.metadata.event])).toEqual([['system', 'bye', 'hangup'], ['system', '[hangup]', 'hangup']])
    expect(imported.messages.map((m) => (m.metadata.source as { raw: Json }).raw)).toEqual([{ $absent: ['time'] }, { $absent: ['time'], message: 3 }])
    expect(adapters.vapi.toPlatform([imported])).toEqual(payload)
  })

  it('a tool_calls entry without toolCalls is an event row', () => {
    const imported = one(withItems([{ role: 'tool_calls', secondsFromStart: 1 }]))
    expect(imported.messages.map((m) => [m.role, m.content, m.metadata.event])).toEqual([['system', '[tool_calls]', 'tool_calls']])
  })
})

describe('vapi bad fields, named by pointer', () => {
  const turn = (item: Json) => (m: Json) => (m.artifact = { messages: [item] })
  const at = '/message/artifact/messages/0'
  const cases: Array<[string, (message: Json) => void, string]> = [
    ['status', (m) => Object.assign(m, { type: 'status-update', status: 4 }), '/message/status'],
    ['timestamp', (m) => Object.assign(m, { type: 'status-update', timestamp: 'now' }), '/message/timestamp'],
    ['call id', (m) => (m.call = { id: 5 }), '/message/call/id'],
    ['artifact messages', (m) => (m.artifact = { messages: {} }), '/message/artifact/messages'],
    ['messages', (m) => (m.messages = {}), '/message/messages'],
    ['endedAt', (m) => (m.endedAt = 'later'), '/message/endedAt'],
    ['startedAt', (m) => (m.startedAt = 'earlier'), '/message/startedAt'],
    ['endedReason', (m) => (m.endedReason = 7), '/message/endedReason'],
    ['secondsFromStart', turn({ role: 'user', message: 'a', secondsFromStart: -1 }), `${at}/secondsFromStart`],
    ['endTime', turn({ role: 'user', message: 'a', secondsFromStart: 1, endTime: 'x' }), `${at}/endTime`],
    ['function_call name', turn({ role: 'function_call', args: {} }), `${at}/name`],
    ['tool call function', turn({ role: 'tool_calls', toolCalls: [{ id: 'c' }] }), `${at}/toolCalls/0/function`],
    ['tool call name', turn({ role: 'tool_calls', toolCalls: [{ id: 'c', function: {} }] }), `${at}/toolCalls/0/function/name`],
    ['tool call id', turn({ role: 'tool_calls', toolCalls: [{ id: 1, function: { name: 'n' } }] }), `${at}/toolCalls/0/id`],
    ['result call id', turn({ role: 'tool_call_result', toolCallId: 1, result: 'r' }), `${at}/toolCallId`],
    ['result name', turn({ role: 'tool_call_result', name: 2, result: 'r' }), `${at}/name`],
    ['message', turn({ role: 'user', message: 3 }), `${at}/message`],
  ]
  for (const [name, spoil, pointer] of cases) {
    it(`${name}: refused at ${pointer}`, () => {
      const message = report()
      spoil(message)
      expect(pointerOf(body(message))).toBe(pointer)
    })
  }

  it('a call object names its own fields, a file of many names each call by its place', () => {
    expect(pointerOf({ id: 'x', startedAt: START, messages: [{ role: 'user', message: 4 }] })).toBe('/messages/0/message')
    expect(pointerOf([{ message: { type: 'end-of-call-report', call: {} } }])).toBe('/0/message/call/id')
  })
})
