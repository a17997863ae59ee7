// Vercel AI SDK UI messages: the chat and the bare list, each part shape
// (text, static and dynamic tool parts in each state, parts kept only raw),
// how each message is timed, and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import { importedMessageId, importedSessionId } from '../../src/import/ids.js'
import type { ImportedMessage, ImportedSession } from '../../src/import/types.js'
import { adapterUnderTest } from './support.js'

type Json = Record<string, unknown>
const { parse, one, pointerOf } = adapterUnderTest('vercel-ui', 'chats/chat.json')
const MODIFIED = '2025-02-01T09:00:00.000Z'
const raw = (message: ImportedMessage) => (message.metadata.source as { raw: Json }).raw
const source = (imported: ImportedSession) => imported.session.metadata.source as { id: string; shape: string; timing?: string; raw: Json }
const rows = (imported: ImportedSession) => imported.messages.map((m) => [m.role, m.content, m.metadata.tool, raw(m)])
const times = (imported: ImportedSession) => imported.messages.map((m) => [m.createdAt.toISOString(), m.metadata.start_s])
const toPlatform = (...sessions: ImportedSession[]) => adapters['vercel-ui'].toPlatform(sessions)
const text = (value: string) => ({ type: 'text', text: value })
const message = (id: string, role: string, parts: unknown[], extra: Json = {}) => ({ id, role, parts, ...extra })
/** One assistant message holding `parts`, in a chat `c`. */
const chatOf = (...parts: unknown[]) => ({ id: 'c', messages: [message('m', 'assistant', parts)] })
const at = (ms: number) => ({ createdAt: Date.UTC(2025, 0, 15, 10, 30, 0, ms) })

describe('vercel-ui payload shapes', () => {
  it('a chat takes its id as the call id and writes back whole, its unmapped fields kept raw', () => {
    const payload = { id: 'chat_1', title: 'Weather', messages: [message('m1', 'user', [text('hi')])] }
    const sessions = parse(payload)
    expect(sessions).toHaveLength(1)
    const imported = sessions[0]!
    expect(imported.session).toMatchObject({ sessionId: importedSessionId('vercel-ui', 'chat_1'), userId: null, endedAt: null, endedReason: null })
    expect(imported.pointer).toBe('')
    expect(source(imported)).toEqual({ platform: 'vercel-ui', id: 'chat_1', shape: 'chat', raw: { title: 'Weather' } })
    expect(toPlatform(imported)).toEqual(payload)
    expect(adapters['vercel-ui'].platform).toBe('vercel-ui')
  })

  it('a bare list is called by a hash of its content, and writes back as a list', () => {
    const payload = [message('m1', 'user', [text('hi')])]
    const imported = one(payload)
    expect(source(imported)).toEqual({ platform: 'vercel-ui', id: expect.stringMatching(/^sha256:[0-9a-f]{32}$/), shape: 'messages', raw: {} })
    expect(one(structuredClone(payload)).session.sessionId).toBe(imported.session.sessionId)
    expect(one([message('m1', 'user', [text('ho')])]).session.sessionId).not.toBe(imported.session.sessionId)
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a chat without a string id is called by its hash, and its id comes back from raw', () => {
    const messages = [message('m1', 'user', [text('hi')])]
    const bare = one({ messages })
    expect(source(bare)).toEqual({ platform: 'vercel-ui', id: expect.stringMatching(/^sha256:/), shape: 'chat', raw: {} })
    expect(toPlatform(bare)).toEqual({ messages })
    const numbered = one({ id: 5, messages })
    expect(source(numbered)).toEqual({ platform: 'vercel-ui', id: expect.stringMatching(/^sha256:/), shape: 'chat', raw: { id: 5 } })
    expect(toPlatform(numbered)).toEqual({ id: 5, messages })
  })

  it('several sessions write back as a list of their payloads', () => {
    const chat = { id: 'chat_1', messages: [message('m1', 'user', [text('hi')])] }
    const list = [message('m2', 'assistant', [text('yo')])]
    expect(toPlatform(one(chat), one(list))).toEqual([chat, list])
  })

  it('an empty chat has no rows and writes back empty', () => {
    const imported = one({ id: 'c', messages: [] })
    expect(imported.messages).toEqual([])
    expect(imported.session.startedAt.toISOString()).toBe(MODIFIED)
    expect(toPlatform(imported)).toEqual({ id: 'c', messages: [] })
  })
})

describe('vercel-ui text parts', () => {
  it('each text part is a row of its message role, with its own id and pointer', () => {
    const payload = {
      id: 'c',
      messages: [message('s', 'system', [text('Be brief.')]), message('u', 'user', [text('a'), text('')]), message('a', 'assistant', [text('b')])],
    }
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['system', 'Be brief.', undefined, {}],
      ['user', 'a', undefined, {}],
      ['user', '', undefined, {}],
      ['assistant', 'b', undefined, {}],
    ])
    expect(imported.messages.map((m) => m.id)).toEqual(['s/parts/0', 'u/parts/0', 'u/parts/1', 'a/parts/0'].map((key) => importedMessageId('vercel-ui', 'c', key)))
    expect(imported.messages.map((m) => m.pointer)).toEqual(['/messages/0/parts/0', '/messages/1/parts/0', '/messages/1/parts/1', '/messages/2/parts/0'])
    expect(imported.messages.map((m) => m.metadata.source)).toEqual([
      { platform: 'vercel-ui', role: 'system', item: 's', raw: {} },
      { platform: 'vercel-ui', role: 'user', item: 'u', raw: {} },
      { platform: 'vercel-ui', role: 'user', item: 'u', raw: {} },
      { platform: 'vercel-ui', role: 'assistant', item: 'a', raw: {} },
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a text part keeps its extra fields raw, and the message its own', () => {
    const payload = { id: 'c', messages: [message('a', 'assistant', [{ ...text('b'), state: 'done' }], { metadata: { model: 'gpt' } })] }
    const imported = one(payload)
    expect(rows(imported)).toEqual([['assistant', 'b', undefined, { metadata: { model: 'gpt' }, parts: [{ type: 'text', text: 'b', state: 'done' }] }]])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('parts that are neither text nor tool are kept only raw, between the rows', () => {
    const parts = [{ type: 'step-start' }, { type: 'reasoning', text: 'think' }, text('x'), { type: 'file', mediaType: 'image/png', url: 'u' }, { type: 'tools', text: 'no' }, { type: 'data-x', data: 1 }]
    const payload = chatOf(...parts)
    const imported = one(payload)
    expect(rows(imported)).toEqual([['assistant', 'x', undefined, { parts }]])
    expect(imported.messages[0]!.pointer).toBe('/messages/0/parts/2')
    expect(imported.messages[0]!.id).toBe(importedMessageId('vercel-ui', 'c', 'm/parts/2'))
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a message of no text or tool part is still one empty row, so it round-trips', () => {
    const payload = { id: 'c', messages: [message('f', 'user', [{ type: 'file', url: 'u' }]), message('e', 'assistant', [])] }
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['user', '', undefined, { parts: [{ type: 'file', url: 'u' }] }],
      ['assistant', '', undefined, { parts: [] }],
    ])
    expect(imported.messages.map((m) => [m.id, m.pointer])).toEqual([
      [importedMessageId('vercel-ui', 'c', 'f'), '/messages/0'],
      [importedMessageId('vercel-ui', 'c', 'e'), '/messages/1'],
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })
})

describe('vercel-ui tool parts', () => {
  const tool = (type: string, fields: Json) => ({ type, toolCallId: 'k1', ...fields })

  it('a finished static tool is a call row and an output row, rebuilt exactly', () => {
    const payload = chatOf(tool('tool-find', { state: 'output-available', input: { q: 1 }, output: { hits: [2] } }), text('done'))
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['tool', 'find({"q":1})', { kind: 'call', call_id: 'k1', name: 'find', arguments: '{"q":1}', state: 'output-available' }, {}],
      ['tool', '{"hits":[2]}', { kind: 'result', call_id: 'k1', name: 'find' }, {}],
      ['assistant', 'done', undefined, {}],
    ])
    expect(imported.messages.map((m) => m.id)).toEqual(['m/parts/0', 'm/parts/0/output', 'm/parts/1'].map((key) => importedMessageId('vercel-ui', 'c', key)))
    expect(imported.messages.map((m) => m.pointer)).toEqual(['/messages/0/parts/0', '/messages/0/parts/0', '/messages/0/parts/1'])
    expect(imported.messages.map((m) => (m.metadata.source as { role: string }).role)).toEqual(['assistant', 'assistant', 'assistant'])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a string output is the content as it is', () => {
    const payload = chatOf(tool('tool-say', { state: 'output-available', input: {}, output: 'plain words' }))
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['tool', 'say({})', { kind: 'call', call_id: 'k1', name: 'say', arguments: '{}', state: 'output-available' }, {}],
      ['tool', 'plain words', { kind: 'result', call_id: 'k1', name: 'say' }, {}],
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a string output that reads as JSON stays a string, through raw', () => {
    const part = tool('tool-count', { state: 'output-available', input: {}, output: '42' })
    const imported = one(chatOf(part))
    expect(rows(imported).map((r) => [r[1], r[3]])).toEqual([['count({})', { parts: [part] }], ['42', {}]])
    expect(toPlatform(imported)).toEqual(chatOf(part))
  })

  it('a missing output is stored as null and comes back missing', () => {
    const part = tool('tool-ping', { state: 'output-available', input: {} })
    const imported = one(chatOf(part))
    expect(rows(imported).map((r) => [r[1], r[3]])).toEqual([['ping({})', { parts: [part] }], ['null', {}]])
    expect(toPlatform(imported)).toEqual(chatOf(part))
  })

  it('a failed tool gives an error row of its errorText', () => {
    const payload = chatOf(tool('tool-book', { state: 'output-error', input: { n: 1 }, errorText: 'Full.' }))
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['tool', 'book({"n":1})', { kind: 'call', call_id: 'k1', name: 'book', arguments: '{"n":1}', state: 'output-error' }, {}],
      ['tool', 'Full.', { kind: 'result', call_id: 'k1', name: 'book', is_error: true }, {}],
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a failed tool without errorText gives an empty error row', () => {
    const part = tool('tool-book', { state: 'output-error', input: {} })
    const imported = one(chatOf(part))
    expect(rows(imported).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['book({})', { kind: 'call', call_id: 'k1', name: 'book', arguments: '{}', state: 'output-error' }, { parts: [part] }],
      ['', { kind: 'result', call_id: 'k1', name: 'book', is_error: true }, {}],
    ])
    expect(toPlatform(imported)).toEqual(chatOf(part))
  })

  it('a dynamic tool is named by its toolName and rebuilt as dynamic', () => {
    const payload = chatOf(tool('dynamic-tool', { toolName: 'lookup', state: 'output-available', input: { id: 3 }, output: 'ok' }))
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['tool', 'lookup({"id":3})', { kind: 'call', call_id: 'k1', name: 'lookup', arguments: '{"id":3}', state: 'output-available', dynamic: true }, {}],
      ['tool', 'ok', { kind: 'result', call_id: 'k1', name: 'lookup' }, {}],
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a failed dynamic tool', () => {
    const payload = chatOf(tool('dynamic-tool', { toolName: 'lookup', state: 'output-error', input: null, errorText: 'boom' }))
    const imported = one(payload)
    expect(rows(imported)).toEqual([
      ['tool', 'lookup(null)', { kind: 'call', call_id: 'k1', name: 'lookup', arguments: 'null', state: 'output-error', dynamic: true }, {}],
      ['tool', 'boom', { kind: 'result', call_id: 'k1', name: 'lookup', is_error: true }, {}],
    ])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('an unfinished tool is only its call row, with its state', () => {
    for (const state of ['input-streaming', 'input-available']) {
      const payload = chatOf(tool('tool-find', { state, input: { q: 1 } }))
      const imported = one(payload)
      expect(rows(imported)).toEqual([['tool', 'find({"q":1})', { kind: 'call', call_id: 'k1', name: 'find', arguments: '{"q":1}', state }, {}]])
      expect(toPlatform(imported)).toEqual(payload)
    }
  })

  it('a tool part without a state is a call row without one, rebuilt exactly', () => {
    const payload = chatOf(tool('tool-find', { input: { q: 1 } }))
    const imported = one(payload)
    expect(rows(imported)).toEqual([['tool', 'find({"q":1})', { kind: 'call', call_id: 'k1', name: 'find', arguments: '{"q":1}' }, {}]])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('a tool part with no state, id or input is a bare call, its part kept raw', () => {
    const part = { type: 'tool-now' }
    const imported = one(chatOf(part))
    expect(rows(imported)).toEqual([['tool', 'now(null)', { kind: 'call', call_id: null, name: 'now', arguments: 'null' }, { parts: [part] }]])
    expect(toPlatform(imported)).toEqual(chatOf(part))
  })

  it('a stray toolName on a static tool or errorText on a success is not read', () => {
    const part = tool('tool-find', { toolName: 7, state: 'output-available', input: {}, output: 'x', errorText: 8 })
    const imported = one(chatOf(part))
    expect(rows(imported).map((r) => [r[1], r[2]])).toEqual([
      ['find({})', { kind: 'call', call_id: 'k1', name: 'find', arguments: '{}', state: 'output-available' }],
      ['x', { kind: 'result', call_id: 'k1', name: 'find' }],
    ])
    expect(toPlatform(imported)).toEqual(chatOf(part))
  })

  it('two tools in a message each get their result after their own call', () => {
    const payload = chatOf(tool('tool-a', { state: 'output-available', input: 1, output: 2 }), { ...tool('tool-b', { state: 'output-error', input: 3, errorText: 'e' }), toolCallId: 'k2' })
    const imported = one(payload)
    expect(rows(imported).map((r) => [r[1], (r[2] as Json).call_id])).toEqual([['a(1)', 'k1'], ['2', 'k1'], ['b(3)', 'k2'], ['e', 'k2']])
    expect(toPlatform(imported)).toEqual(payload)
  })
})

describe('vercel-ui message times', () => {
  it('a message is timed by metadata.createdAt (epoch ms or ISO), from the first timed message', () => {
    const payload = [
      message('a', 'user', [text('a')], { metadata: at(0) }),
      message('b', 'assistant', [text('b'), text('c')], { metadata: { createdAt: '2025-01-15T10:30:02.250Z' } }),
    ]
    const imported = one(payload)
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-15T10:30:00.000Z')
    expect(times(imported)).toEqual([
      ['2025-01-15T10:30:00.000Z', 0],
      ['2025-01-15T10:30:02.250Z', 2.25],
      ['2025-01-15T10:30:02.250Z', 2.25],
    ])
    expect(imported.messages.map(raw)).toEqual([{ metadata: at(0) }, { metadata: { createdAt: '2025-01-15T10:30:02.250Z' } }, {}])
    expect(toPlatform(imported)).toEqual(payload)
  })

  it('the chat starts at the first timed message, and an untimed message comes at the one before', () => {
    const imported = one([
      message('a', 'user', [text('a')]),
      message('b', 'assistant', [text('b')], { metadata: at(1500) }),
      message('c', 'user', [text('c')], { metadata: { model: 'x' } }),
      message('d', 'assistant', [text('d')], { metadata: at(4000) }),
    ])
    expect(imported.session.startedAt.toISOString()).toBe('2025-01-15T10:30:01.500Z')
    expect(times(imported)).toEqual([
      ['2025-01-15T10:30:01.500Z', undefined],
      ['2025-01-15T10:30:01.500Z', 0],
      ['2025-01-15T10:30:01.500Z', undefined],
      ['2025-01-15T10:30:04.000Z', 2.5],
    ])
  })

  it('tool rows take the time of their message', () => {
    const imported = one([message('a', 'user', [text('a')], { metadata: at(0) }), message('b', 'assistant', [{ type: 'tool-x', state: 'output-error' }], { metadata: at(750) })])
    expect(times(imported)).toEqual([
      ['2025-01-15T10:30:00.000Z', 0],
      ['2025-01-15T10:30:00.750Z', 0.75],
      ['2025-01-15T10:30:00.750Z', 0.75],
    ])
  })

  it('without a time the chat starts when the file was written, or at the epoch without one', () => {
    const payload = [message('a', 'user', [text('a')]), message('b', 'assistant', [{ type: 'reasoning', text: 'r' }])]
    expect(times(one(payload))).toEqual([[MODIFIED, undefined], [MODIFIED, undefined]])
    expect(one(payload).session.startedAt.toISOString()).toBe(MODIFIED)
    const [unwritten] = adapters['vercel-ui'].parse(payload, { path: 'chats/chat.json' })
    expect(unwritten!.session.startedAt.toISOString()).toBe('1970-01-01T00:00:00.000Z')
    expect(times(unwritten!)).toEqual([['1970-01-01T00:00:00.000Z', undefined], ['1970-01-01T00:00:00.000Z', undefined]])
    expect(source(unwritten!).timing).toBeUndefined()
  })

  it('a createdAt that is no time, and metadata that is no object, leave a message untimed and kept raw', () => {
    for (const metadata of [null, 'today', { createdAt: 'soon' }, { createdAt: true }, { createdAt: null }, { createdAt: {} }, {}]) {
      const payload = [message('a', 'user', [text('a')], { metadata })]
      const imported = one(payload)
      expect(times(imported)).toEqual([[MODIFIED, undefined]])
      expect(raw(imported.messages[0]!)).toEqual({ metadata })
      expect(toPlatform(imported)).toEqual(payload)
    }
  })
})

describe('vercel-ui bad fields, named by pointer', () => {
  const good = message('ok', 'user', [text('fine')])
  /** A second message whose second part is `part`. */
  const withPart = (part: unknown) => message('m', 'assistant', [text('x'), part])
  const cases: Array<[string, unknown, string]> = [
    ['message', 'hello', '/1'],
    ['id', { role: 'user', parts: [] }, '/1/id'],
    ['numeric id', { id: 3, role: 'user', parts: [] }, '/1/id'],
    ['role', { id: 'm', parts: [] }, '/1/role'],
    ['unknown role', { id: 'm', role: 'tool', parts: [] }, '/1/role'],
    ['parts', { id: 'm', role: 'user' }, '/1/parts'],
    ['part', withPart('x'), '/1/parts/1'],
    ['part type', withPart({ text: 'x' }), '/1/parts/1/type'],
    ['text', withPart({ type: 'text', text: 4 }), '/1/parts/1/text'],
    ['toolName', withPart({ type: 'dynamic-tool', toolCallId: 'k' }), '/1/parts/1/toolName'],
    ['toolCallId', withPart({ type: 'tool-x', toolCallId: 5 }), '/1/parts/1/toolCallId'],
    ['state', withPart({ type: 'tool-x', state: 6 }), '/1/parts/1/state'],
    ['errorText', withPart({ type: 'tool-x', state: 'output-error', errorText: 7 }), '/1/parts/1/errorText'],
  ]
  for (const [name, bad, pointer] of cases) {
    it(`${name}: refused at ${pointer}, and at /messages${pointer} in a chat`, () => {
      expect(pointerOf([good, bad])).toBe(pointer)
      expect(pointerOf({ id: 'c', messages: [good, bad] })).toBe(`/messages${pointer}`)
    })
  }

  it('an unknown role is refused naming the roles there are', () => {
    expect(() => parse([message('m', 'data', [])])).toThrow('chats/chat.json: /0/role must be one of system, user, assistant; got "data"')
  })

  it('a document that is no list or chat is refused whole, a chat without a list at /messages', () => {
    expect(pointerOf('chat')).toBe('')
    expect(pointerOf(null)).toBe('')
    expect(pointerOf({ id: 'c' })).toBe('/messages')
    expect(pointerOf({ id: 'c', messages: {} })).toBe('/messages')
  })
})
