// OpenAI chat: each message shape (text, parts, text with tool calls, tool
// results with and without their id and name), with the raw remainder pinned,
// and each bad field named by its pointer.
import { describe, expect, it } from 'vitest'
import { adapters } from '../../src/import/adapters/index.js'
import type { ImportedSession } from '../../src/import/types.js'
import { adapterUnderTest } from './support.js'

type Json = Record<string, unknown>
const { one, pointerOf } = adapterUnderTest('openai-chat', 'chats/chat.json')
const rows = (imported: ImportedSession) => imported.messages.map((m) => [m.role, m.content, m.metadata.tool, (m.metadata.source as { raw: Json }).raw])
const call = (id: string, name: string, args?: string) => ({ id, type: 'function', function: { name, ...(args !== undefined && { arguments: args }) } })

describe('openai-chat messages', () => {
  it('stores each message shape, and writes the list back as it was', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [null, 'loose', { type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'u' } }, { type: 'text', text: 'b' }] },
      { role: 'user', content: '' },
      { role: 'assistant', content: 'Checking.', tool_calls: [call('c1', 'find', '{"q":1}'), call('c2', 'now', '{}')] },
      { role: 'assistant', content: null, tool_calls: [call('c3', 'bare')] },
      { role: 'tool', tool_call_id: 'c1', name: 'find', content: 'found' },
      { role: 'tool', content: 'orphan' },
      { role: 'function', name: 'old', content: '42' },
      { role: 'assistant', content: null, tool_calls: null },
    ]
    const imported = one(messages)
    expect(rows(imported)).toEqual([
      ['system', 'Be brief.', undefined, {}],
      ['user', 'a\nb', undefined, { content: [null, 'loose', { type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'u' } }, { type: 'text', text: 'b' }] }],
      ['user', '', undefined, {}],
      ['assistant', 'Checking.', undefined, {}],
      ['tool', 'find({"q":1})', { kind: 'call', call_id: 'c1', name: 'find', arguments: '{"q":1}' }, {}],
      ['tool', 'now({})', { kind: 'call', call_id: 'c2', name: 'now', arguments: '{}' }, {}],
      // Without arguments: called with none, and the list as sent is kept raw.
      ['tool', 'bare()', { kind: 'call', call_id: 'c3', name: 'bare', arguments: '' }, { tool_calls: [{ id: 'c3', type: 'function', function: { name: 'bare' } }] }],
      ['tool', 'found', { kind: 'result', call_id: 'c1', name: 'find' }, {}],
      ['tool', 'orphan', { kind: 'result', call_id: null, name: null }, {}],
      ['tool', '42', { kind: 'result', call_id: null, name: 'old' }, {}],
      ['assistant', '', undefined, { content: null, tool_calls: null }],
    ])
    expect(adapters['openai-chat'].toPlatform([imported])).toEqual(messages)
  })

  it('an empty list is no order-only session; a list of messages is', () => {
    expect((one([]).session.metadata.source as { timing?: string }).timing).toBeUndefined()
    expect(adapters['openai-chat'].platform).toBe('openai-chat')
    expect((one([{ role: 'user', content: 'hi' }]).session.metadata.source as { timing?: string }).timing).toBe('order-only')
  })

  it('a tool_call_id on a message that is no tool result is not read', () => {
    expect(rows(one([{ role: 'assistant', content: 'hi', tool_call_id: 7 }]))[0]!.slice(0, 3)).toEqual(['assistant', 'hi', undefined])
  })
})

describe('openai-chat bad fields, named by pointer', () => {
  const cases: Array<[string, Json, string]> = [
    ['role', { content: 'x' }, '/0/role'],
    ['unknown role', { role: 'narrator', content: 'x' }, '/0/role'],
    ['tool_call_id', { role: 'tool', tool_call_id: 3, content: 'x' }, '/0/tool_call_id'],
    ['tool_calls', { role: 'assistant', tool_calls: {} }, '/0/tool_calls'],
    ['function', { role: 'assistant', tool_calls: [{ id: 'c' }] }, '/0/tool_calls/0/function'],
    ['name', { role: 'assistant', tool_calls: [{ id: 'c', function: {} }] }, '/0/tool_calls/0/function/name'],
    ['arguments', { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'n', arguments: {} } }] }, '/0/tool_calls/0/function/arguments'],
    ['id', { role: 'assistant', tool_calls: [{ id: 4, function: { name: 'n' } }] }, '/0/tool_calls/0/id'],
  ]
  for (const [name, message, pointer] of cases) {
    it(`${name}: refused at ${pointer}, and at /messages${pointer} in a request body`, () => {
      expect(pointerOf([message])).toBe(pointer)
      expect(pointerOf({ model: 'gpt-4o', messages: [message] })).toBe(`/messages${pointer}`)
    })
  }
})
