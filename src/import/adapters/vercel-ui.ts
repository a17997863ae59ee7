// Vercel AI SDK: `UIMessage[]` (v5: `{id, role, metadata?, parts: [...]}`), or
// a chat `{"id", "messages": [...]}`. Text parts and tool parts
// (`tool-<name>`, `dynamic-tool`) become rows; every other part is kept raw.
// Without a chat id the call id is a hash of the content; times come from
// `metadata.createdAt` when a message has it, else the file's.
import type { Role } from '../../model/types.js'
import { contentHashId } from '../ids.js'
import { pointerTo, PayloadReader, secondsBetween } from '../reader.js'
import type { ImportAdapter, ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import { itemsOf, onePayloadOrMany, keepResidue, restoreItem, restoreSession, roundSeconds, row, session, sessionSourceOf, sourceOf, type Json } from './shared.js'

const ROLES: Record<string, Role> = { system: 'system', user: 'user', assistant: 'assistant' }
const FINISHED = new Set(['output-available', 'output-error'])

interface ToolMeta {
  kind: 'call' | 'result'
  call_id: string | null
  name: string
  arguments?: string
  state?: string
  dynamic?: boolean
  is_error?: boolean
}

function parseChat(payload: unknown, context: ImportContext): ImportedSession {
  const read = new PayloadReader(context.path)
  const { list, listAt, wrapper } = read.wrappedList(payload, 'messages')
  const wrapped = wrapper !== null
  const chat = wrapper ?? {}
  const callId = wrapped && typeof chat.id === 'string' ? chat.id : contentHashId(payload)
  const items = list.map((value, index) => read.object(value, pointerTo(listAt, index)))
  const firstTime = items.map((item) => createdAtOf(item)).find((time) => time !== null)
  const startedAt = firstTime ?? context.modifiedAt ?? new Date(0)
  let previous = startedAt
  const messages = items.flatMap((item, index) => {
    const itemAt = pointerTo(listAt, index)
    const rows = parseItem(item, itemAt, { callId, startedAt, previous, read })
    previous = rows[0]!.createdAt
    keepResidue(rows, item, rebuildItem)
    return rows
  })
  return session(
    { platform: 'vercel-ui', callId, startedAt, endedAt: null, endedReason: null, messages, pointer: '', shape: wrapped ? 'chat' : 'messages' },
    wrapped ? chat : { messages: payload },
    rebuildChat,
  )
}

function createdAtOf(item: Json): Date | null {
  const metadata = item.metadata
  if (typeof metadata !== 'object' || metadata === null) return null
  const value = (metadata as Json).createdAt
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : null
  return date && !Number.isNaN(date.getTime()) ? date : null
}

function parseItem(item: Json, itemAt: string, call: { callId: string; startedAt: Date; previous: Date; read: PayloadReader }): ImportedMessage[] {
  const { read } = call
  const itemKey = read.string(item.id, pointerTo(itemAt, 'id'))
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole] ?? read.fail(pointerTo(itemAt, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
  const createdAt = createdAtOf(item) ?? call.previous
  const common = { platform: 'vercel-ui' as const, callId: call.callId, item: itemKey, sourceRole, createdAt }
  const timing = createdAtOf(item) ? { start_s: roundSeconds(secondsBetween(call.startedAt, createdAt)) } : {}
  const partsAt = pointerTo(itemAt, 'parts')
  const rows: ImportedMessage[] = []
  read.array(item.parts, partsAt).forEach((value, index) => {
    const partAt = pointerTo(partsAt, index)
    const part = read.object(value, partAt)
    const type = read.string(part.type, pointerTo(partAt, 'type'))
    const key = `${itemKey}/parts/${index}`
    if (type === 'text') {
      rows.push(row({ ...common, itemKey: key, role, content: read.string(part.text, pointerTo(partAt, 'text')), pointer: partAt, metadata: timing }))
      return
    }
    const dynamic = type === 'dynamic-tool'
    if (!dynamic && !type.startsWith('tool-')) return
    const name = dynamic ? read.string(part.toolName, pointerTo(partAt, 'toolName')) : type.slice('tool-'.length)
    const toolCallId = read.optionalString(part.toolCallId, pointerTo(partAt, 'toolCallId'))
    const state = read.optionalString(part.state, pointerTo(partAt, 'state'))
    const args = JSON.stringify(part.input ?? null)
    const tool: ToolMeta = { kind: 'call', call_id: toolCallId, name, arguments: args, ...(state !== null && { state }), ...(dynamic && { dynamic: true }) }
    rows.push(row({ ...common, itemKey: key, role: 'tool', content: `${name}(${args})`, pointer: partAt, metadata: { ...timing, tool } }))
    if (state !== null && FINISHED.has(state)) {
      const failed = state === 'output-error'
      const output = failed ? read.optionalString(part.errorText, pointerTo(partAt, 'errorText')) ?? '' : typeof part.output === 'string' ? part.output : JSON.stringify(part.output ?? null)
      const result: ToolMeta = { kind: 'result', call_id: toolCallId, name, ...(failed && { is_error: true }) }
      rows.push(row({ ...common, itemKey: `${key}/output`, role: 'tool', content: output, pointer: partAt, metadata: { ...timing, tool: result } }))
    }
  })
  // A message of only files or reasoning still becomes a row, so it round-trips.
  if (rows.length === 0) rows.push(row({ ...common, itemKey, role, content: '', pointer: itemAt, metadata: timing }))
  return rows
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const first = rows[0]!
  const parts: Json[] = []
  for (const message of rows) {
    const tool = message.metadata.tool as ToolMeta | undefined
    if (!tool) {
      parts.push({ type: 'text', text: message.content })
    } else if (tool.kind === 'call') {
      let input: unknown = null
      try {
        input = JSON.parse(tool.arguments ?? 'null')
      } catch {
        // rebuilt wrong on purpose: the residue holds the original input
      }
      parts.push({
        type: tool.dynamic ? 'dynamic-tool' : `tool-${tool.name}`,
        ...(tool.dynamic && { toolName: tool.name }),
        toolCallId: tool.call_id,
        ...(tool.state !== undefined && { state: tool.state }),
        input,
      })
    } else {
      const call = parts.at(-1)!
      if (tool.is_error) call.errorText = message.content
      else {
        try {
          call.output = JSON.parse(message.content)
        } catch {
          call.output = message.content
        }
      }
    }
  }
  return { id: sourceOf(first).item, role: sourceOf(first).role, parts }
}

function rebuildChat(imported: ImportedSession): Json {
  const messages = itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem))
  const source = sessionSourceOf(imported)
  return source.shape === 'chat' && !source.id.startsWith('sha256:') ? { id: source.id, messages } : { messages }
}

export const vercelUi: ImportAdapter = {
  platform: 'vercel-ui',
  parse(payload: unknown, context: ImportContext): ImportedSession[] {
    return [parseChat(payload, context)]
  },
  toPlatform(sessions) {
    const chats = sessions.map((imported) => {
      const chat = restoreSession(imported, rebuildChat)
      return sessionSourceOf(imported).shape === 'messages' ? chat.messages : chat
    })
    return onePayloadOrMany(chats)
  },
}
