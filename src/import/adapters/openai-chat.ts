// OpenAI chat: a messages array (`[{role, content, tool_calls?, tool_call_id?}]`),
// or a request/completion body holding one (`{"model", "messages": [...]}`).
// Chat has no call id and no times: the id is a hash of the content, the
// times are the file's (see ImportContext.modifiedAt).
import type { Role } from '../../model/types.js'
import { contentHashId } from '../ids.js'
import { pointerTo, PayloadReader } from '../reader.js'
import type { ImportAdapter, ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import { itemsOf, onePayloadOrMany, keepResidue, requireEveryEntry, restoreItem, restoreSession, row, session, sessionSourceOf, sourceOf, type Json } from './shared.js'

const ROLES: Record<string, Role> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool', function: 'tool' }

/** The text of a content that is a string or an array of parts (`{type: 'text', text}`…). */
export function chatText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part) => (typeof part === 'object' && part !== null && typeof (part as Json).text === 'string' ? ((part as Json).text as string) : ''))
    .filter((text) => text !== '')
    .join('\n')
}

function parseChat(payload: unknown, context: ImportContext): ImportedSession {
  const read = new PayloadReader(context.path)
  const { list, listAt, wrapper } = read.wrappedList(payload, 'messages')
  const wrapped = wrapper !== null
  const callId = contentHashId(payload)
  const startedAt = context.modifiedAt ?? new Date(0)
  const messages = list.flatMap((value, index) => {
    const itemAt = pointerTo(listAt, index)
    const item = read.object(value, itemAt)
    const rows = parseItem(item, itemAt, String(index), { callId, startedAt, read })
    keepResidue(rows, item, rebuildItem)
    return rows
  })
  requireEveryEntry(read, listAt, list.map((_, index) => String(index)), messages)
  return session(
    { platform: 'openai-chat', callId, startedAt, endedAt: null, endedReason: null, messages, pointer: '', shape: wrapped ? 'body' : 'messages', orderOnly: list.length > 0 },
    wrapped ? (payload as Json) : { messages: payload },
    rebuildBody,
  )
}

function parseItem(item: Json, itemAt: string, itemKey: string, call: { callId: string; startedAt: Date; read: PayloadReader }): ImportedMessage[] {
  const { read } = call
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole] ?? read.fail(pointerTo(itemAt, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
  const common = { platform: 'openai-chat' as const, callId: call.callId, item: itemKey, sourceRole, createdAt: call.startedAt }
  const rows: ImportedMessage[] = []
  const callsAt = pointerTo(itemAt, 'tool_calls')
  const calls = item.tool_calls === undefined || item.tool_calls === null ? [] : read.array(item.tool_calls, callsAt)
  // An assistant turn that only calls tools (content null or "") is its calls, not an empty message besides them.
  if (chatText(item.content) !== '' || calls.length === 0) {
    const toolCallId = role === 'tool' ? read.optionalString(item.tool_call_id, pointerTo(itemAt, 'tool_call_id')) : null
    rows.push(
      row({
        ...common,
        itemKey,
        role,
        content: chatText(item.content),
        pointer: itemAt,
        ...(role === 'tool' && { metadata: { tool: { kind: 'result', call_id: toolCallId, name: item.name ?? null } } }),
      }),
    )
  }
  calls.forEach((value, index) => {
    const toolAt = pointerTo(callsAt, index)
    const toolCall = read.object(value, toolAt)
    const fn = read.object(toolCall.function, pointerTo(toolAt, 'function'))
    const name = read.string(fn.name, pointerTo(pointerTo(toolAt, 'function'), 'name'))
    const args = read.optionalString(fn.arguments, pointerTo(pointerTo(toolAt, 'function'), 'arguments')) ?? ''
    const id = read.optionalString(toolCall.id, pointerTo(toolAt, 'id'))
    rows.push(
      row({ ...common, itemKey: `${itemKey}/tool_calls/${index}`, role: 'tool', content: `${name}(${args})`, pointer: toolAt, metadata: { tool: { kind: 'call', call_id: id, name, arguments: args } } }),
    )
  })
  return rows
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const first = rows[0]!
  const role = sourceOf(first).role
  const spoken = rows.find((message) => (message.metadata.tool as { kind?: string } | undefined)?.kind !== 'call')
  const calls = rows.filter((message) => (message.metadata.tool as { kind?: string } | undefined)?.kind === 'call')
  const item: Json = { role, content: spoken ? spoken.content : null }
  const result = spoken?.metadata.tool as { kind: string; call_id: string | null; name: string | null } | undefined
  if (result?.kind === 'result') {
    if (result.call_id !== null) item.tool_call_id = result.call_id
    if (result.name !== null) item.name = result.name
  }
  if (calls.length > 0) {
    item.tool_calls = calls.map((message) => {
      const tool = message.metadata.tool as { call_id: string | null; name: string; arguments: string }
      return { id: tool.call_id, type: 'function', function: { name: tool.name, arguments: tool.arguments } }
    })
  }
  return item
}

function rebuildBody(imported: ImportedSession): Json {
  return { messages: itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem)) }
}

export const openaiChat: ImportAdapter = {
  platform: 'openai-chat',
  parse(payload: unknown, context: ImportContext): ImportedSession[] {
    return [parseChat(payload, context)]
  },
  toPlatform(sessions) {
    const bodies = sessions.map((imported) => {
      const body = restoreSession(imported, rebuildBody)
      return sessionSourceOf(imported).shape === 'messages' ? body.messages : body
    })
    return onePayloadOrMany(bodies)
  },
}
