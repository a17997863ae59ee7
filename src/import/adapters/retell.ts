// Retell: the call object (GET /v2/get-call/{id}), or the `call_ended` /
// `call_analyzed` webhook body `{"event", "call"}` that carries it.
import type { Role } from '../../model/types.js'
import { pointerTo, PayloadReader, plusSeconds } from '../reader.js'
import type { ImportedMessage, ImportedSession } from '../types.js'
import {
  callReportAdapter,
  itemsOf,
  keepResidue,
  restoreItem,
  row,
  session,
  sessionSourceOf,
  sourceOf,
  type Json,
} from './shared.js'

const ROLES: Record<string, Role> = {
  agent: 'assistant',
  user: 'user',
  // The person a call was transferred to speaks for the caller's side.
  transfer_target: 'user',
  tool_call_invocation: 'tool',
  tool_call_result: 'tool',
  node_transition: 'system',
}
const SPEAKERS = new Set(['agent', 'user', 'transfer_target'])

function parseOne(payload: unknown, base: string, read: PayloadReader): ImportedSession {
  const outer = read.object(payload, base)
  const webhook = typeof outer.event === 'string' && outer.call !== undefined
  const at = webhook ? pointerTo(base, 'call') : base
  const call = webhook ? read.object(outer.call, at) : outer
  const callId = read.string(call.call_id, pointerTo(at, 'call_id'))
  const startedAt = read.instant(call.start_timestamp, pointerTo(at, 'start_timestamp'))
  const endedAt = read.optionalInstant(call.end_timestamp, pointerTo(at, 'end_timestamp'))
  // The tool-call transcript holds every turn of the plain one, and the tool calls between them.
  const key = call.transcript_with_tool_calls !== undefined ? 'transcript_with_tool_calls' : 'transcript_object'
  const itemsAt = pointerTo(at, key)
  let previous = startedAt
  const messages = (call[key] === undefined ? [] : read.array(call[key], itemsAt)).flatMap((value, index) => {
    const itemAt = pointerTo(itemsAt, index)
    const item = read.object(value, itemAt)
    const message = parseItem(item, itemAt, String(index), { callId, startedAt, previous, read })
    previous = message.createdAt
    keepResidue([message], item, rebuildItem)
    return [message]
  })
  return session(
    {
      platform: 'retell',
      callId,
      startedAt,
      endedAt,
      endedReason: read.optionalString(call.disconnection_reason, pointerTo(at, 'disconnection_reason')),
      messages,
      pointer: base,
      shape: webhook ? 'webhook' : 'call',
    },
    outer,
    rebuildSession,
  )
}

function parseItem(
  item: Json,
  itemAt: string,
  itemKey: string,
  call: { callId: string; startedAt: Date; previous: Date; read: PayloadReader },
): ImportedMessage {
  const { read } = call
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole] ?? read.fail(pointerTo(itemAt, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
  const common = { platform: 'retell' as const, callId: call.callId, itemKey, sourceRole, role, pointer: itemAt }
  if (sourceRole === 'tool_call_invocation') {
    const name = read.string(item.name, pointerTo(itemAt, 'name'))
    const args = read.optionalString(item.arguments, pointerTo(itemAt, 'arguments')) ?? ''
    const callIdOfTool = read.optionalString(item.tool_call_id, pointerTo(itemAt, 'tool_call_id'))
    // Tool entries carry no time: they happened after the turn before them.
    return row({ ...common, content: `${name}(${args})`, createdAt: call.previous, metadata: { tool: { kind: 'call', call_id: callIdOfTool, name, arguments: args } } })
  }
  if (sourceRole === 'tool_call_result') {
    const content = read.string(item.content, pointerTo(itemAt, 'content'))
    const callIdOfTool = read.optionalString(item.tool_call_id, pointerTo(itemAt, 'tool_call_id'))
    return row({ ...common, content, createdAt: call.previous, metadata: { tool: { kind: 'result', call_id: callIdOfTool } } })
  }
  const content = read.string(item.content, pointerTo(itemAt, 'content'))
  const wordsAt = pointerTo(itemAt, 'words')
  const words = item.words === undefined ? [] : read.array(item.words, wordsAt)
  if (words.length === 0) return row({ ...common, content, createdAt: call.previous })
  const first = read.object(words[0], pointerTo(wordsAt, 0))
  const last = read.object(words.at(-1), pointerTo(wordsAt, words.length - 1))
  const startS = read.offset(first.start, pointerTo(pointerTo(wordsAt, 0), 'start'))
  const endS = read.offset(last.end, pointerTo(pointerTo(wordsAt, words.length - 1), 'end'))
  return row({ ...common, content, createdAt: plusSeconds(call.startedAt, startS), metadata: { start_s: startS, end_s: endS } })
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const message = rows[0]!
  const role = sourceOf(message).role
  const tool = message.metadata.tool as { call_id: string | null; name: string; arguments: string } | undefined
  if (role === 'tool_call_invocation' && tool) return { role, tool_call_id: tool.call_id, name: tool.name, arguments: tool.arguments }
  if (role === 'tool_call_result' && tool) return { role, tool_call_id: tool.call_id, content: message.content }
  return { role, content: message.content }
}

function speakerName(role: string): string {
  return role === 'agent' ? 'Agent' : role === 'user' ? 'User' : 'Transfer target'
}

function rebuildSession(imported: ImportedSession): Json {
  const { session: s } = imported
  const source = sessionSourceOf(imported)
  const items = itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem))
  const turns = items.filter((item) => SPEAKERS.has(item.role as string))
  const call: Json = {
    call_id: source.id,
    start_timestamp: s.startedAt.getTime(),
    end_timestamp: s.endedAt?.getTime(),
    duration_ms: s.endedAt ? s.endedAt.getTime() - s.startedAt.getTime() : undefined,
    disconnection_reason: s.endedReason ?? undefined,
    transcript: turns.map((turn) => `${speakerName(turn.role as string)}: ${turn.content as string}\n`).join(''),
    transcript_object: turns,
    transcript_with_tool_calls: items,
  }
  return source.shape === 'webhook' ? { event: 'call_ended', call } : call
}

export const retell = callReportAdapter('retell', parseOne, rebuildSession)
