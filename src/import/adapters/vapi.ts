// Vapi: the `end-of-call-report` server message (the webhook body
// `{"message": {...}}`), a `status-update` server message (the call so far:
// its `artifact.messages`, and its end reason once `status` is `ended`), or a
// call object as GET /call returns it; one call per payload, and a file may
// hold an array of them.
import type { Role } from '../../model/types.js'
import { pointerTo, PayloadReader, plusSeconds, secondsBetween } from '../reader.js'
import { isPlainObject } from '../lossless.js'
import type { ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import {
  callReportAdapter,
  eventRow,
  recordingOf,
  requireEveryEntry,
  iso,
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

const ROLES: Record<string, Role> = {
  bot: 'assistant',
  assistant: 'assistant',
  user: 'user',
  system: 'system',
  tool_calls: 'tool',
  tool_call_result: 'tool',
  // Reports of early 2024: `{role: "function_call", name, args}`.
  function_call: 'tool',
}

/**
 * Where a payload keeps its turns, by shape: `report` is the end-of-call
 * webhook body, `status-update` the live one, `call` what GET /call returns.
 */
type Shape = `${'report' | 'status-update' | 'call'}${'' | '/messages'}`

/** The server messages that carry a call's turns; the others (transcript, speech-update, hang…) are refused by name. */
const IMPORTED_TYPES = new Set(['end-of-call-report', 'status-update'])

interface CallInput {
  callId: string
  startedAt: Date
  read: PayloadReader
  /** When the turn before was, for a turn that says nothing of its time. */
  previous: Date
}

function parseOne(payload: unknown, base: string, read: PayloadReader, context: ImportContext): ImportedSession {
  const outer = read.object(payload, base)
  const isCall = outer.message === undefined && typeof outer.id === 'string'
  const at = isCall ? base : pointerTo(base, 'message')
  const report = isCall ? outer : read.object(outer.message, at)
  if (!isCall && typeof report.type === 'string' && !IMPORTED_TYPES.has(report.type)) {
    read.fail(pointerTo(at, 'type'), `is "${report.type}": a real Vapi server message that Parley does not import yet (it imports end-of-call-report, status-update and call objects)`)
  }
  const live = !isCall && report.type === 'status-update'
  // A status-update says when it was sent; once the call has ended, that is the end.
  const status = live ? read.optionalString(report.status, pointerTo(at, 'status')) : null
  const sentAt = live ? read.optionalInstant(report.timestamp, pointerTo(at, 'timestamp')) : null
  const callAt = pointerTo(at, 'call')
  const call = isCall ? outer : read.object(report.call, callAt)
  const callId = read.string(call.id, isCall ? pointerTo(at, 'id') : pointerTo(callAt, 'id'))
  const artifactAt = pointerTo(at, 'artifact')
  const artifact = report.artifact === undefined || report.artifact === null ? null : read.object(report.artifact, artifactAt)
  // Mid-2024 reports carry the turns in `message.messages` with `artifact.messages` empty; take the list that has them.
  const artifactItems = artifact?.messages === undefined || artifact.messages === null ? null : read.array(artifact.messages, pointerTo(artifactAt, 'messages'))
  const plainItems = report.messages === undefined || report.messages === null ? null : read.array(report.messages, pointerTo(at, 'messages'))
  const usePlain = plainItems !== null && (artifactItems === null || (artifactItems.length === 0 && plainItems.length > 0))
  const shape: Shape = `${isCall ? 'call' : live ? 'status-update' : 'report'}${usePlain ? '/messages' : ''}`
  const itemsAt = usePlain ? pointerTo(at, 'messages') : pointerTo(artifactAt, 'messages')
  const list = (usePlain ? plainItems : artifactItems) ?? []
  const items = list.map((value, index) => read.object(value, pointerTo(itemsAt, index)))

  const endedAt = read.optionalInstant(report.endedAt ?? (isCall ? null : call.endedAt), pointerTo(at, 'endedAt')) ?? (status === 'ended' ? sentAt : null)
  const given = read.optionalInstant(report.startedAt ?? (isCall ? null : call.startedAt), pointerTo(at, 'startedAt'))
  // Without a start: the first turn's time less its offset from the start.
  const anchor = items.findIndex((item) => typeof item.time === 'number' || typeof item.time === 'string')
  const anchorItem = items[anchor]
  const anchorTime = anchorItem ? read.instant(anchorItem.time, pointerTo(pointerTo(itemsAt, anchor), 'time')) : null
  const anchorOffset = anchorItem && typeof anchorItem.secondsFromStart === 'number' ? anchorItem.secondsFromStart : 0
  // Else, for a payload without timed turns (a status-update of a call that ended unanswered), when the call was created.
  const created = () => read.optionalInstant(call.createdAt, pointerTo(isCall ? base : callAt, 'createdAt'))
  const startedAt = given ?? (anchorTime ? plusSeconds(anchorTime, -anchorOffset) : (created() ?? endedAt ?? sentAt ?? context.modifiedAt ?? new Date(0)))
  const timed = given !== null || anchorTime !== null || items.some((item) => typeof item.secondsFromStart === 'number')

  let previous = startedAt
  const messages = items.flatMap((item, index) => {
    const itemAt = pointerTo(itemsAt, index)
    const rows = parseItem(item, itemAt, String(index), { callId, startedAt, read, previous })
    previous = rows[0]?.createdAt ?? previous
    keepResidue(rows, item, rebuildItem)
    return rows
  })
  requireEveryEntry(read, itemsAt, items.map((_, index) => String(index)), messages)
  const recordingAt = artifact ?? {}
  const nested = isPlainObject(recordingAt.recording) ? recordingAt.recording : {}
  const mono = isPlainObject(nested.mono) ? nested.mono : {}
  const imported = session(
    {
      platform: 'vapi',
      callId,
      startedAt,
      endedAt,
      endedReason: read.optionalString(report.endedReason ?? (isCall ? null : call.endedReason), pointerTo(at, 'endedReason')),
      messages,
      pointer: base,
      shape,
      orderOnly: !timed && items.length > 0,
      recording: recordingOf(report.recordingUrl ?? recordingAt.recordingUrl ?? mono.combinedUrl, {
        stereo_url: report.stereoRecordingUrl ?? recordingAt.stereoRecordingUrl ?? nested.stereoUrl,
        assistant_url: mono.assistantUrl,
        customer_url: mono.customerUrl,
        video_url: recordingAt.videoRecordingUrl ?? nested.videoUrl,
      }),
    },
    outer,
    rebuildSession,
  )
  // A call still going (`in-progress`, `ringing`…) stays active: its report or a later update ends it.
  if (live && status !== 'ended') imported.session.active = true
  return imported
}

function parseItem(item: Json, itemAt: string, itemKey: string, call: CallInput): ImportedMessage[] {
  const { read, startedAt } = call
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole]
  const time = read.optionalInstant(item.time, pointerTo(itemAt, 'time'))
  const fromStart = item.secondsFromStart === undefined ? null : read.offset(item.secondsFromStart, pointerTo(itemAt, 'secondsFromStart'))
  const createdAt = time ?? (fromStart === null ? call.previous : plusSeconds(startedAt, fromStart))
  const startS = fromStart ?? (time ? roundSeconds(secondsBetween(startedAt, createdAt)) : undefined)
  const endTime = read.optionalInstant(item.endTime, pointerTo(itemAt, 'endTime'))
  const endS = endTime && startS !== undefined ? roundSeconds(startS + secondsBetween(createdAt, endTime)) : undefined
  const common = { platform: 'vapi' as const, callId: call.callId, item: itemKey, sourceRole, createdAt, pointer: itemAt }
  const timing = { start_s: startS, end_s: endS }

  if (role === undefined) {
    const text = typeof item.message === 'string' ? item.message : undefined
    return [eventRow({ ...common, itemKey, type: sourceRole, ...(text !== undefined && { content: text }), metadata: timing })]
  }
  if (sourceRole === 'function_call') {
    const name = read.string(item.name, pointerTo(itemAt, 'name'))
    const args = typeof item.args === 'string' ? item.args : JSON.stringify(item.args ?? {})
    return [row({ ...common, itemKey, role, content: `${name}(${args})`, metadata: { ...timing, tool: { kind: 'call', call_id: null, name, arguments: args } } })]
  }
  if (sourceRole === 'tool_calls') {
    const callsAt = pointerTo(itemAt, 'toolCalls')
    const calls = read.array(item.toolCalls ?? [], callsAt)
    if (calls.length === 0) return [eventRow({ ...common, itemKey, type: sourceRole, metadata: timing })]
    return calls.map((value, index) => {
      const toolAt = pointerTo(callsAt, index)
      const toolCall = read.object(value, toolAt)
      const fn = read.object(toolCall.function, pointerTo(toolAt, 'function'))
      const name = read.string(fn.name, pointerTo(pointerTo(toolAt, 'function'), 'name'))
      const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {})
      return row({
        ...common,
        itemKey: `${itemKey}/toolCalls/${index}`,
        role,
        content: `${name}(${args})`,
        pointer: toolAt,
        metadata: { ...timing, tool: { kind: 'call', call_id: read.optionalString(toolCall.id, pointerTo(toolAt, 'id')), name, arguments: args } },
      })
    })
  }
  if (sourceRole === 'tool_call_result') {
    const result = typeof item.result === 'string' ? item.result : JSON.stringify(item.result ?? null)
    return [
      row({
        ...common,
        itemKey,
        role,
        content: result,
        metadata: {
          ...timing,
          tool: {
            kind: 'result',
            call_id: read.optionalString(item.toolCallId, pointerTo(itemAt, 'toolCallId')),
            name: read.optionalString(item.name, pointerTo(itemAt, 'name')),
          },
        },
      }),
    ]
  }
  const content = read.string(item.message, pointerTo(itemAt, 'message'))
  return [row({ ...common, itemKey, role, content, metadata: timing })]
}

function rebuildItem(rows: ImportedMessage[]): Json {
  const first = rows[0]!
  const meta = first.metadata as { start_s?: number; end_s?: number; tool?: Json; event?: string }
  const time = first.createdAt.getTime()
  const item: Json = { role: sourceOf(first).role, time, secondsFromStart: meta.start_s }
  if (meta.end_s !== undefined && meta.start_s !== undefined) item.endTime = time + Math.round((meta.end_s - meta.start_s) * 1000)
  if (meta.event !== undefined) {
    item.message = first.content
  } else if (item.role === 'function_call') {
    const tool = meta.tool as { name: string; arguments: string }
    Object.assign(item, { name: tool.name, args: tool.arguments })
  } else if (item.role === 'tool_calls') {
    item.toolCalls = rows.map((toolRow) => {
      const tool = toolRow.metadata.tool as { call_id: string | null; name: string; arguments: string }
      return { id: tool.call_id, type: 'function', function: { name: tool.name, arguments: tool.arguments } }
    })
  } else if (item.role === 'tool_call_result') {
    const tool = meta.tool as { call_id: string | null; name: string | null }
    Object.assign(item, { name: tool.name, toolCallId: tool.call_id, result: first.content })
  } else {
    item.message = first.content
  }
  return item
}

function rebuildSession(imported: ImportedSession): Json {
  const { session: s } = imported
  const source = sessionSourceOf(imported)
  const shape = (source.shape ?? 'report') as Shape
  const items = itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem))
  const body: Json = {
    startedAt: iso(s.startedAt),
    endedAt: s.endedAt ? iso(s.endedAt) : undefined,
    endedReason: s.endedReason ?? undefined,
    ...(shape.endsWith('/messages') ? { messages: items } : { artifact: { messages: items } }),
  }
  if (shape.startsWith('call')) return { id: source.id, ...body }
  const type = shape.startsWith('status-update') ? 'status-update' : 'end-of-call-report'
  return { message: { type, call: { id: source.id }, ...body } }
}

export const vapi = callReportAdapter('vapi', parseOne, rebuildSession)
