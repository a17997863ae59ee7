// Vapi: the `end-of-call-report` server message (the webhook body
// `{"message": {...}}`), one call per report; a file may hold an array of them.
import type { Role } from '../../model/types.js'
import { pointerTo, PayloadReader, plusSeconds, secondsBetween } from '../reader.js'
import type { ImportedMessage, ImportedSession } from '../types.js'
import {
  callReportAdapter,
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
}

function parseOne(payload: unknown, base: string, read: PayloadReader): ImportedSession {
  const outer = read.object(payload, base)
  const at = pointerTo(base, 'message')
  const report = read.object(outer.message, at)
  const call = read.object(report.call, pointerTo(at, 'call'))
  const callId = read.string(call.id, pointerTo(pointerTo(at, 'call'), 'id'))
  const startedAt = read.instant(report.startedAt, pointerTo(at, 'startedAt'))
  const endedAt = read.optionalInstant(report.endedAt, pointerTo(at, 'endedAt'))
  // Older reports carry the turns as `message.messages`, without an artifact.
  const itemsAt = report.artifact === undefined ? pointerTo(at, 'messages') : pointerTo(pointerTo(at, 'artifact'), 'messages')
  const list = report.artifact === undefined ? report.messages : read.object(report.artifact, pointerTo(at, 'artifact')).messages
  const messages = read.array(list, itemsAt).flatMap((value, index) => {
    const itemAt = pointerTo(itemsAt, index)
    const item = read.object(value, itemAt)
    const rows = parseItem(item, itemAt, String(index), { callId, startedAt, read })
    keepResidue(rows, item, rebuildItem)
    return rows
  })
  return session(
    {
      platform: 'vapi',
      callId,
      startedAt,
      endedAt,
      endedReason: read.optionalString(report.endedReason, pointerTo(at, 'endedReason')),
      messages,
      pointer: base,
    },
    outer,
    rebuildSession,
  )
}

function parseItem(
  item: Json,
  itemAt: string,
  itemKey: string,
  call: { callId: string; startedAt: Date; read: PayloadReader },
): ImportedMessage[] {
  const { read, startedAt } = call
  const sourceRole = read.string(item.role, pointerTo(itemAt, 'role'))
  const role = ROLES[sourceRole] ?? read.fail(pointerTo(itemAt, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
  const time = read.optionalInstant(item.time, pointerTo(itemAt, 'time'))
  const fromStart = item.secondsFromStart === undefined ? null : read.offset(item.secondsFromStart, pointerTo(itemAt, 'secondsFromStart'))
  if (time === null && fromStart === null) read.fail(pointerTo(itemAt, 'time'), 'is required when secondsFromStart is absent')
  const createdAt = time ?? plusSeconds(startedAt, fromStart!)
  const startS = fromStart ?? roundSeconds(secondsBetween(startedAt, createdAt))
  const endTime = read.optionalInstant(item.endTime, pointerTo(itemAt, 'endTime'))
  const endS = endTime ? roundSeconds(startS + secondsBetween(createdAt, endTime)) : undefined
  const common = { platform: 'vapi' as const, callId: call.callId, item: itemKey, sourceRole, createdAt, pointer: itemAt }
  const timing = { start_s: startS, end_s: endS }

  if (sourceRole === 'tool_calls') {
    const callsAt = pointerTo(itemAt, 'toolCalls')
    return read.array(item.toolCalls, callsAt).map((value, index) => {
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
  const meta = first.metadata as { start_s: number; end_s?: number; tool?: Json }
  const time = first.createdAt.getTime()
  const item: Json = { role: sourceOf(first).role, time, secondsFromStart: meta.start_s }
  if (meta.end_s !== undefined) item.endTime = time + Math.round((meta.end_s - meta.start_s) * 1000)
  if (item.role === 'tool_calls') {
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
  return {
    message: {
      type: 'end-of-call-report',
      call: { id: sessionSourceOf(imported).id },
      startedAt: iso(s.startedAt),
      endedAt: s.endedAt ? iso(s.endedAt) : undefined,
      endedReason: s.endedReason ?? undefined,
      artifact: { messages: itemsOf(imported.messages).map((rows) => restoreItem(rows, rebuildItem)) },
    },
  }
}

export const vapi = callReportAdapter('vapi', parseOne, rebuildSession)
