// Retell: the call object (GET /v2/get-call/{id}), or the `call_ended` /
// `call_analyzed` webhook body `{"event", "call"}` that carries it; also calls
// that never connected (no start, no transcript).
import type { Role } from '../../model/types.js'
import { pointerTo, PayloadReader, plusSeconds } from '../reader.js'
import type { ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import {
  callReportAdapter,
  eventRow,
  recordingOf,
  requireEveryEntry,
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
}
const SPEAKERS = new Set(['agent', 'user', 'transfer_target'])

function parseOne(payload: unknown, base: string, read: PayloadReader, context: ImportContext): ImportedSession {
  const outer = read.object(payload, base)
  const webhook = typeof outer.event === 'string' && outer.call !== undefined
  const at = webhook ? pointerTo(base, 'call') : base
  const call = webhook ? read.object(outer.call, at) : outer
  const callId = read.string(call.call_id, pointerTo(at, 'call_id'))
  const endedAt = read.optionalInstant(call.end_timestamp, pointerTo(at, 'end_timestamp'))
  // A call that never connected (`not_connected`, a failed dial) has no start: it is over when it is reported.
  const startedAt =
    read.optionalInstant(call.start_timestamp, pointerTo(at, 'start_timestamp')) ??
    endedAt ??
    read.optionalInstant(outer.event_timestamp, pointerTo(base, 'event_timestamp')) ??
    context.modifiedAt ??
    new Date(0)
  // The tool-call transcript holds every turn of the plain one, and the tool calls between them.
  const key = call.transcript_with_tool_calls !== undefined ? 'transcript_with_tool_calls' : 'transcript_object'
  const itemsAt = pointerTo(at, key)
  let previous = startedAt
  const list = call[key] === undefined || call[key] === null ? [] : read.array(call[key], itemsAt)
  const messages = list.flatMap((value, index) => {
    const itemAt = pointerTo(itemsAt, index)
    const item = read.object(value, itemAt)
    const message = parseItem(item, itemAt, String(index), { callId, startedAt, previous, read })
    previous = message.createdAt
    keepResidue([message], item, rebuildItem)
    return [message]
  })
  requireEveryEntry(read, itemsAt, list.map((_, index) => String(index)), messages)
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
      recording: recordingOf(call.recording_url, {
        multi_channel_url: call.recording_multi_channel_url,
        scrubbed_url: call.scrubbed_recording_url,
        scrubbed_multi_channel_url: call.scrubbed_recording_multi_channel_url,
      }),
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
  const role = ROLES[sourceRole]
  // Tool calls and node transitions carry their own `time_sec`; without it, they happened after the turn before.
  const atSec = item.time_sec === undefined || item.time_sec === null ? null : read.offset(item.time_sec, pointerTo(itemAt, 'time_sec'))
  const when = atSec === null ? { createdAt: call.previous } : { createdAt: plusSeconds(call.startedAt, atSec), metadata: { start_s: atSec } }
  const common = { platform: 'retell' as const, callId: call.callId, itemKey, sourceRole, pointer: itemAt }
  if (role === undefined) {
    // node_transition, dtmf and whatever Retell adds next: an event row.
    const from = typeof item.former_node_name === 'string' ? item.former_node_name : null
    const to = typeof item.new_node_name === 'string' ? item.new_node_name : null
    const content = typeof item.content === 'string' ? item.content : sourceRole === 'node_transition' ? `${from ?? 'start'} → ${to ?? '?'}` : typeof item.digit === 'string' ? item.digit : undefined
    return eventRow({ ...common, type: sourceRole, ...when, ...(content !== undefined && { content }) })
  }
  if (sourceRole === 'tool_call_invocation') {
    const name = read.string(item.name, pointerTo(itemAt, 'name'))
    const args = read.optionalString(item.arguments, pointerTo(itemAt, 'arguments')) ?? ''
    const callIdOfTool = read.optionalString(item.tool_call_id, pointerTo(itemAt, 'tool_call_id'))
    return row({ ...common, role, content: `${name}(${args})`, ...when, metadata: { ...when.metadata, tool: { kind: 'call', call_id: callIdOfTool, name, arguments: args } } })
  }
  if (sourceRole === 'tool_call_result') {
    const content = read.string(item.content, pointerTo(itemAt, 'content'))
    const callIdOfTool = read.optionalString(item.tool_call_id, pointerTo(itemAt, 'tool_call_id'))
    return row({ ...common, role, content, ...when, metadata: { ...when.metadata, tool: { kind: 'result', call_id: callIdOfTool } } })
  }
  const content = read.string(item.content, pointerTo(itemAt, 'content'))
  const wordsAt = pointerTo(itemAt, 'words')
  const words = item.words === undefined ? [] : read.array(item.words, wordsAt)
  if (words.length === 0) return row({ ...common, role, content, ...when })
  const first = read.object(words[0], pointerTo(wordsAt, 0))
  const last = read.object(words.at(-1), pointerTo(wordsAt, words.length - 1))
  const startS = read.offset(first.start, pointerTo(pointerTo(wordsAt, 0), 'start'))
  // The utterance ends with its last word, not its first.
  const endS = read.offset(last.end, pointerTo(pointerTo(wordsAt, words.length - 1), 'end'))
  return row({ ...common, role, content, createdAt: plusSeconds(call.startedAt, startS), metadata: { start_s: startS, end_s: endS } })
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const message = rows[0]!
  const role = sourceOf(message).role
  const tool = message.metadata.tool as { call_id: string | null; name: string; arguments: string } | undefined
  const timeSec = message.metadata.start_s
  if (role === 'tool_call_invocation' && tool) return { role, tool_call_id: tool.call_id, name: tool.name, arguments: tool.arguments, time_sec: timeSec }
  if (role === 'tool_call_result' && tool) return { role, tool_call_id: tool.call_id, content: message.content, time_sec: timeSec }
  if (message.metadata.event !== undefined) return { role, time_sec: timeSec }
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
