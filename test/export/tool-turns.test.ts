// How tool calls, their results and imported provider items come out in the
// two chat formats (openai, vercel-ui) at the edges the main format tests do
// not reach: rows of different items or roles, results without a call id or
// for a call that is not open, and metadata of the wrong shape.
import { describe, expect, it } from 'vitest'
import { exportFormat, type ExportFormatName } from '../../src/export/formats/index.js'
import type { Message, Metadata, Role, Session } from '../../src/model/types.js'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const SESSION: Session = {
  sessionId: '0195a0b0-0000-7000-8000-000000000001',
  userId: '0195a0b0-0000-7000-8000-0000000000aa',
  startedAt: T0,
  endedAt: new Date(T0.getTime() + 60_000),
  isActive: false,
  durationSeconds: 60,
  topicsDiscussed: [],
  metadata: {},
  messageCount: 0,
  endedReason: null,
}

/** Rows numbered in order, one second apart; ids end in their place (1, 2, …). */
function rows(...specs: Array<[Role, string, Metadata?]>): Message[] {
  return specs.map(([role, content, metadata = {}], index) => ({
    id: `0195a0b0-0000-7000-8000-${String(index + 1).padStart(12, '0')}`,
    sessionId: SESSION.sessionId,
    userId: SESSION.userId,
    role,
    content,
    audioUrl: null,
    metadata,
    createdAt: new Date(T0.getTime() + index * 1000),
    seq: index + 1,
  }))
}

const id = (place: number) => `0195a0b0-0000-7000-8000-${String(place).padStart(12, '0')}`

async function exportAs(format: ExportFormatName, messages: Message[]): Promise<unknown> {
  let text = ''
  const sessions = (async function* () {
    yield { session: SESSION, pages: (async function* () { yield messages })() }
  })()
  for await (const chunk of exportFormat(format).encode(sessions)) text += chunk
  return JSON.parse(text)
}

const call = (callId: string, name = 'lookup', extra: Metadata = {}): Metadata => ({ tool: { kind: 'call', call_id: callId, name, arguments: '{}' }, ...extra })
const result = (callId?: string): Metadata => ({ tool: callId === undefined ? { kind: 'result' } : { kind: 'result', call_id: callId } })
const item = (key: string, role?: string): Metadata => ({ source: role === undefined ? { item: key } : { item: key, role } })

describe('openai', () => {
  it('a developer role from the source applies to system rows only', async () => {
    expect(await exportAs('openai', rows(['user', 'hi', item('a', 'developer')], ['system', 'be brief', item('b', 'developer')]))).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'developer', content: 'be brief' },
    ])
  })

  it('a tool call of another item than the assistant turn before it is a message of its own', async () => {
    const messages = await exportAs('openai', rows(['assistant', 'let me look', item('a')], ['tool', 'lookup()', { ...call('c1'), ...item('b') }]))
    expect(messages).toEqual([
      { role: 'assistant', content: 'let me look' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
    ])
  })

  it('a result for a call that is not open leaves the open calls to the results without an id, in order', async () => {
    const messages = (await exportAs(
      'openai',
      rows(['tool', 'a()', call('c1', 'a')], ['tool', 'b()', call('c2', 'b')], ['tool', 'late', result('gone')], ['tool', 'first', result()], ['tool', 'second', result()]),
    )) as Array<{ role: string; tool_call_id?: string }>
    expect(messages.filter((message) => message.role === 'tool').map((message) => message.tool_call_id)).toEqual(['gone', 'c1', 'c2'])
  })

  it('a call id that is not text is not used: the row id stands in', async () => {
    const messages = (await exportAs('openai', rows(['tool', 'a()', { tool: { kind: 'call', call_id: 42, name: 'a' } }]))) as Array<{ tool_calls: Array<{ id: unknown }> }>
    expect(messages[0]!.tool_calls[0]!.id).toBe(id(1))
  })

  it('a tool or source of null is no tool call and no item: the row exports as a result, the turns stay apart', async () => {
    expect(await exportAs('openai', rows(['assistant', 'one', { source: null }], ['assistant', 'two', { source: null }], ['tool', 'done', { tool: null }]))).toEqual([
      { role: 'assistant', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'tool', content: 'done', tool_call_id: id(3) },
    ])
  })
})

describe('vercel-ui', () => {
  type Part = { type: string; text?: string; toolCallId?: string; state?: string; output?: unknown }
  const parts = async (messages: Message[]) => ((await exportAs('vercel-ui', messages)) as Array<{ role: string; parts: Part[] }>).map((m) => [m.role, m.parts.map((p) => p.type)])

  it('rows of one item and role are one message; another item or another role starts a new one', async () => {
    expect(
      await parts(rows(['assistant', 'a', item('x')], ['assistant', 'b', item('x')], ['assistant', 'c', item('y')], ['user', 'd', item('y')])),
    ).toEqual([
      ['assistant', ['text', 'text']],
      ['assistant', ['text']],
      ['user', ['text']],
    ])
  })

  it('text after a tool call in one item starts a new step', async () => {
    expect(await parts(rows(['tool', 'a()', { ...call('c1'), ...item('x') }], ['assistant', 'found it', item('x')]))).toEqual([
      ['assistant', ['dynamic-tool', 'step-start', 'text']],
    ])
  })

  it('a result without a call id completes the open call', async () => {
    const messages = (await exportAs('vercel-ui', rows(['tool', 'a()', call('c1')], ['tool', 'answer', result()]))) as Array<{ parts: Part[] }>
    expect(messages).toHaveLength(1)
    expect(messages[0]!.parts).toEqual([expect.objectContaining({ toolCallId: 'c1', state: 'output-available', output: 'answer' })])
  })
})
