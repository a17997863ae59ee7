// ElevenLabs Agents: the conversation (GET /v1/convai/conversations/{id}), or
// the `post_call_transcription` webhook body `{"type", "event_timestamp", "data"}`.
import type { Role } from '../../model/types.js'
import { pointerTo, PayloadReader, plusSeconds } from '../reader.js'
import type { ImportedMessage, ImportedSession } from '../types.js'
import {
  callReportAdapter,
  eventRow,
  requireEveryEntry,
  itemsOf,
  keepResidue,
  restoreItem,
  roundSeconds,
  row,
  session,
  sessionSourceOf,
  sourceOf,
  type Json,
} from './shared.js'

const ROLES: Record<string, Role> = { agent: 'assistant', user: 'user' }

function parseOne(payload: unknown, base: string, read: PayloadReader): ImportedSession {
  const outer = read.object(payload, base)
  const webhook = typeof outer.type === 'string' && outer.data !== undefined
  if (webhook && outer.type !== 'post_call_transcription') {
    read.fail(pointerTo(base, 'type'), `is "${String(outer.type)}": a real ElevenLabs webhook that Parley does not import yet (it imports post_call_transcription and conversations)`)
  }
  const at = webhook ? pointerTo(base, 'data') : base
  const conversation = webhook ? read.object(outer.data, at) : outer
  const callId = read.string(conversation.conversation_id, pointerTo(at, 'conversation_id'))
  const metaAt = pointerTo(at, 'metadata')
  const meta = read.object(conversation.metadata, metaAt)
  const startedAt = read.instant(meta.start_time_unix_secs, pointerTo(metaAt, 'start_time_unix_secs'))
  const duration = read.optionalNumber(meta.call_duration_secs, pointerTo(metaAt, 'call_duration_secs'))
  const itemsAt = pointerTo(at, 'transcript')
  const list = conversation.transcript === null ? [] : read.array(conversation.transcript, itemsAt)
  const messages = list.flatMap((value, index) => {
    const itemAt = pointerTo(itemsAt, index)
    const item = read.object(value, itemAt)
    const rows = parseItem(item, itemAt, String(index), { callId, startedAt, read })
    keepResidue(rows, item, rebuildItem)
    return rows
  })
  requireEveryEntry(read, itemsAt, list.map((_, index) => String(index)), messages)
  return session(
    {
      platform: 'elevenlabs',
      callId,
      startedAt,
      endedAt: duration === null ? null : plusSeconds(startedAt, duration),
      endedReason: read.optionalString(meta.termination_reason, pointerTo(metaAt, 'termination_reason')),
      messages,
      pointer: base,
      shape: webhook ? 'webhook' : 'conversation',
    },
    outer,
    rebuildSession,
  )
}

function parseItem(item: Json, itemAt: string, itemKey: string, call: { callId: string; startedAt: Date; read: PayloadReader }): ImportedMessage[] {
  const { read } = call
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole]
  const startS = read.offset(item.time_in_call_secs, pointerTo(itemAt, 'time_in_call_secs'))
  const createdAt = plusSeconds(call.startedAt, startS)
  const common = { platform: 'elevenlabs' as const, callId: call.callId, item: itemKey, sourceRole, createdAt }
  if (role === undefined) {
    const text = typeof item.message === 'string' ? item.message : undefined
    return [eventRow({ ...common, itemKey, pointer: itemAt, type: sourceRole, ...(text !== undefined && { content: text }), metadata: { start_s: startS } })]
  }
  const rows: ImportedMessage[] = []
  const text = read.optionalString(item.message, pointerTo(itemAt, 'message'))
  const interrupted = item.interrupted === true
  if (text !== null) {
    const generated = interrupted ? read.optionalString(item.original_message, pointerTo(itemAt, 'original_message')) : null
    rows.push(
      row({
        ...common,
        itemKey,
        role,
        content: text,
        pointer: itemAt,
        // An interrupted turn: `message` is what was said before the barge-in.
        metadata: { start_s: startS, ...(interrupted && { interrupted: true, generated_text: generated ?? undefined }) },
      }),
    )
  }
  for (const [key, kind] of [['tool_calls', 'call'], ['tool_results', 'result']] as const) {
    const listAt = pointerTo(itemAt, key)
    const list = item[key] === undefined || item[key] === null ? [] : read.array(item[key], listAt)
    list.forEach((value, index) => {
      const toolAt = pointerTo(listAt, index)
      const tool = read.object(value, toolAt)
      const name = read.string(tool.tool_name, pointerTo(toolAt, 'tool_name'))
      const callId = read.optionalString(tool.request_id, pointerTo(toolAt, 'request_id'))
      const payload = kind === 'call' ? tool.params_as_json : tool.result_value
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null)
      rows.push(
        row({
          ...common,
          itemKey: `${itemKey}/${key}/${index}`,
          role: 'tool',
          content: kind === 'call' ? `${name}(${text})` : text,
          pointer: toolAt,
          metadata: { start_s: startS, tool: { kind, call_id: callId, name, ...(kind === 'call' ? { arguments: text } : { result: text }) } },
        }),
      )
    })
  }
  // A turn with neither text nor tools still becomes a row, so it round-trips.
  if (rows.length === 0) rows.push(row({ ...common, itemKey, role, content: '', pointer: itemAt, metadata: { start_s: startS } }))
  return rows
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const first = rows[0]!
  if (first.metadata.event !== undefined) return { role: sourceOf(first).role, message: first.content, time_in_call_secs: first.metadata.start_s }
  const spoken = rows.find((message) => message.metadata.tool === undefined)
  const tools = (kind: string) =>
    rows
      .map((message) => message.metadata.tool as { kind: string; call_id: string | null; name: string; arguments?: string; result?: string } | undefined)
      .filter((tool) => tool?.kind === kind)
      .map((tool) =>
        kind === 'call'
          ? { request_id: tool!.call_id, tool_name: tool!.name, params_as_json: tool!.arguments }
          : { request_id: tool!.call_id, tool_name: tool!.name, result_value: tool!.result },
      )
  return {
    role: sourceOf(first).role,
    message: spoken ? spoken.content : null,
    tool_calls: tools('call'),
    tool_results: tools('result'),
    time_in_call_secs: first.metadata.start_s,
    interrupted: spoken?.metadata.interrupted === true,
    original_message: (spoken?.metadata.generated_text as string | undefined) ?? null,
  }
}

function rebuildSession(imported: ImportedSession): Json {
  const { session: s } = imported
  const source = sessionSourceOf(imported)
  const conversation: Json = {
    conversation_id: source.id,
    transcript: itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem)),
    metadata: {
      start_time_unix_secs: s.startedAt.getTime() / 1000,
      call_duration_secs: s.endedAt ? roundSeconds((s.endedAt.getTime() - s.startedAt.getTime()) / 1000) : undefined,
      termination_reason: s.endedReason ?? undefined,
    },
  }
  return source.shape === 'webhook' ? { type: 'post_call_transcription', data: conversation } : conversation
}

export const elevenlabs = callReportAdapter('elevenlabs', parseOne, rebuildSession)
