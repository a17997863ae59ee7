// LiveKit Agents: the session report (`SessionReport.to_dict()`, what
// `ctx.make_session_report()` gives an `on_session_end` callback), whose
// `chat_history.items` are the turns, tool calls and handoffs; or the chat
// context alone (`session.history.to_dict()`: `{"items": [...]}`).
import type { Role } from '../../model/types.js'
import { isPlainObject } from '../lossless.js'
import { pointerTo, PayloadReader, secondsBetween } from '../reader.js'
import { contentHashId } from '../ids.js'
import type { ImportContext, ImportedMessage, ImportedSession } from '../types.js'
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

const ROLES: Record<string, Role> = { developer: 'system', system: 'system', user: 'user', assistant: 'assistant' }
function parseOne(payload: unknown, base: string, read: PayloadReader, context: ImportContext): ImportedSession {
  const report = read.object(payload, base)
  // `session.history.to_dict()` is the chat context alone: `{"items": [...]}`, no job, often no times.
  const history = report.chat_history === undefined && Array.isArray(report.items)
  const historyAt = history ? base : pointerTo(base, 'chat_history')
  const itemsAt = pointerTo(historyAt, 'items')
  const items = read.array(history ? report.items : read.object(report.chat_history, historyAt).items, itemsAt).map((value, index) => read.object(value, pointerTo(itemsAt, index)))
  const callId = history ? contentHashId(payload) : read.string(report.job_id ?? report.room_id, pointerTo(base, 'job_id'))
  const endedAt = read.optionalInstant(report.timestamp, pointerTo(base, 'timestamp'))
  // The report's own start when it has one; else the recording's, else the first timed item's.
  const firstTimed = items.find((item) => item.created_at !== undefined && item.created_at !== null)
  const startValue = report.started_at ?? report.audio_recording_started_at ?? firstTimed?.created_at ?? report.timestamp
  const timed = startValue !== undefined && startValue !== null
  const startedAt = timed ? read.instant(startValue, pointerTo(base, 'started_at')) : (context.modifiedAt ?? new Date(0))
  let previous = startedAt
  const messages = items.map((item, index) => {
    const message = parseItem(item, pointerTo(itemsAt, index), { callId, startedAt, previous, read })
    previous = message.createdAt
    keepResidue([message], item, rebuildItem)
    return message
  })
  requireEveryEntry(read, itemsAt, items.map((item) => item.id as string), messages)
  const untimed = items.length > 0 && items.every((item) => item.created_at === undefined && !isPlainObject(item.metrics))
  return session(
    { platform: 'livekit', callId, startedAt, endedAt, endedReason: null, messages, pointer: base, ...(history && { shape: 'history' }), orderOnly: untimed },
    report,
    rebuildSession,
  )
}

function parseItem(item: Json, itemAt: string, call: { callId: string; startedAt: Date; previous: Date; read: PayloadReader }): ImportedMessage {
  const { read, startedAt } = call
  const type = read.string(item.type ?? 'message', pointerTo(itemAt, 'type'))
  const itemKey = read.string(item.id, pointerTo(itemAt, 'id'))
  const metrics = item.metrics === undefined || item.metrics === null ? {} : read.object(item.metrics, pointerTo(itemAt, 'metrics'))
  const spokeAt = read.optionalInstant(metrics.started_speaking_at, pointerTo(pointerTo(itemAt, 'metrics'), 'started_speaking_at'))
  const stoppedAt = read.optionalInstant(metrics.stopped_speaking_at, pointerTo(pointerTo(itemAt, 'metrics'), 'stopped_speaking_at'))
  // When the utterance started, if measured; else when the item was added.
  // to_dict() leaves times out by default (exclude_timestamp=True): such an item comes after the one before.
  const createdAt = spokeAt ?? read.optionalInstant(item.created_at, pointerTo(itemAt, 'created_at'))
  const timing = {
    start_s: createdAt ? roundSeconds(secondsBetween(startedAt, createdAt)) : undefined,
    end_s: stoppedAt ? roundSeconds(secondsBetween(startedAt, stoppedAt)) : undefined,
  }
  const common = { platform: 'livekit' as const, callId: call.callId, itemKey, createdAt: createdAt ?? call.previous, pointer: itemAt }
  if (type === 'function_call') {
    const name = read.string(item.name, pointerTo(itemAt, 'name'))
    const args = read.optionalString(item.arguments, pointerTo(itemAt, 'arguments')) ?? ''
    const callId = read.optionalString(item.call_id, pointerTo(itemAt, 'call_id'))
    return row({ ...common, role: 'tool', sourceRole: type, content: `${name}(${args})`, metadata: { ...timing, tool: { kind: 'call', call_id: callId, name, arguments: args } } })
  }
  if (type === 'function_call_output') {
    const output = read.optionalString(item.output, pointerTo(itemAt, 'output')) ?? ''
    const callId = read.optionalString(item.call_id, pointerTo(itemAt, 'call_id'))
    const name = read.optionalString(item.name, pointerTo(itemAt, 'name'))
    return row({ ...common, role: 'tool', sourceRole: type, content: output, metadata: { ...timing, tool: { kind: 'result', call_id: callId, name, is_error: item.is_error === true } } })
  }
  if (type === 'agent_handoff') {
    const to = read.optionalString(item.new_agent_id, pointerTo(itemAt, 'new_agent_id'))
    return row({ ...common, role: 'system', sourceRole: type, content: `handoff to ${to ?? 'another agent'}`, metadata: timing })
  }
  if (type === 'agent_config_update') {
    // Since Agents 1.4, recorded whenever an agent's instructions or tools are set.
    const instructions = typeof item.instructions === 'string' ? item.instructions : undefined
    return eventRow({ ...common, sourceRole: type, type, ...(instructions !== undefined && { content: instructions }), metadata: timing })
  }
  if (type !== 'message') return eventRow({ ...common, sourceRole: type, type, metadata: timing })
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole] ?? read.fail(pointerTo(itemAt, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
  const parts = read.array(item.content ?? [], pointerTo(itemAt, 'content'))
  // Text parts are strings; images and audio are objects, kept in raw.
  const content = parts.filter((part): part is string => typeof part === 'string').join('\n')
  // LiveKit cuts an interrupted reply's text to what was played, so content is what was said.
  return row({ ...common, role, sourceRole, content, metadata: { ...timing, ...(item.interrupted === true && { interrupted: true }) } })
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const message = rows[0]!
  const sourceRole = sourceOf(message).role
  const base: Json = { id: sourceOf(message).item, created_at: message.createdAt.getTime() / 1000 }
  if (message.metadata.event !== undefined) return { ...base, type: sourceRole, ...(sourceRole === 'agent_config_update' && { instructions: message.content }) }
  const tool = message.metadata.tool as { call_id: string | null; name: string | null; arguments?: string; is_error?: boolean } | undefined
  if (sourceRole === 'function_call') return { ...base, type: sourceRole, call_id: tool?.call_id, name: tool?.name, arguments: tool?.arguments }
  if (sourceRole === 'function_call_output') {
    return { ...base, type: sourceRole, call_id: tool?.call_id, name: tool?.name, output: message.content, is_error: tool?.is_error }
  }
  if (sourceRole === 'agent_handoff') return { ...base, type: sourceRole }
  return { ...base, type: 'message', role: sourceRole, content: [message.content], interrupted: message.metadata.interrupted === true }
}

function rebuildSession(imported: ImportedSession): Json {
  const { session: s } = imported
  const items = itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem))
  if (sessionSourceOf(imported).shape === 'history') return { items }
  return {
    job_id: sessionSourceOf(imported).id,
    timestamp: s.endedAt ? s.endedAt.getTime() / 1000 : undefined,
    chat_history: { items },
  }
}

export const livekit = callReportAdapter('livekit', parseOne, rebuildSession)
