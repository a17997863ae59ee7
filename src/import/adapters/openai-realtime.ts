// OpenAI Realtime: a log of the server events of one session (a JSON array,
// or `{"events": [...]}`), beta or GA names. Items are ordered by
// `previous_item_id`, not by arrival: a user's transcript often arrives after
// the assistant has answered. Events have no times of their own; a
// `received_at` (ISO or epoch) that a logger added to each event is used.
import type { Role } from '../../model/types.js'
import { contentHashId, importedSessionId } from '../ids.js'
import { pointerTo, PayloadReader, secondsBetween } from '../reader.js'
import type { ImportAdapter, ImportContext, ImportedMessage, ImportedSession } from '../types.js'
import { eventRow, itemsOf, onePayloadOrMany, roundSeconds, row, sessionSourceOf, sourceOf, type Json } from './shared.js'

const ROLES: Record<string, Role> = { user: 'user', assistant: 'assistant', system: 'system' }
const ITEM_EVENTS = new Set([
  'conversation.item.created',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.retrieved',
  'response.output_item.added',
  'response.output_item.done',
])
const TRANSCRIPT_EVENTS: Record<string, 'transcript' | 'text'> = {
  'conversation.item.input_audio_transcription.completed': 'transcript',
  'response.audio_transcript.done': 'transcript',
  'response.output_audio_transcript.done': 'transcript',
  'response.text.done': 'text',
  'response.output_text.done': 'text',
}

// Audio chunks (base64) are the recording, not the conversation: kept they
// would outgrow any message's metadata. Their text is in the transcript events.
const AUDIO_FIELDS: Record<string, string> = {
  'response.audio.delta': 'delta',
  'response.output_audio.delta': 'delta',
  'input_audio_buffer.append': 'audio',
}

/** The event with its audio chunk replaced by a note of its size: the one thing an import leaves out. */
function withoutAudio(event: Json): Json {
  const field = typeof event.type === 'string' ? AUDIO_FIELDS[event.type] : undefined
  const audio = field === undefined ? undefined : event[field]
  if (typeof audio !== 'string') return event
  return { ...event, [field!]: { omitted: 'audio', base64_chars: audio.length } }
}

/** An event and its place in the log: the raw that rebuilds the log exactly. */
type Logged = [index: number, event: Json]

interface ItemState {
  item: Json
  pointer: string
  events: Logged[]
  texts: Map<number, string>
  firstSeen: Date | null
  truncatedAtMs: number | null
  deleted: boolean
  /** Where the user's speech of this item starts and ends in the input audio (`input_audio_buffer.speech_started/stopped`). */
  audioStartMs: number | null
  audioEndMs: number | null
}

function parseLog(payload: unknown, context: ImportContext): ImportedSession {
  const read = new PayloadReader(context.path)
  const { list: log, listAt: eventsAt, wrapper: around } = read.wrappedList(payload, 'events')
  const wrapped = around !== null
  const wrapper = around ?? {}
  const items = new Map<string, ItemState>()
  const order: string[] = []
  const other: Logged[] = []
  let callId: string | null = null
  let firstTime: Date | null = null
  let lastTime: Date | null = null

  const events = log.map((value, index) => {
    const at = pointerTo(eventsAt, index)
    const event = withoutAudio(read.object(value, at))
    return { at, event, type: read.string(event.type, pointerTo(at, 'type')), time: read.optionalInstant(event.received_at, pointerTo(at, 'received_at')) }
  })
  // First the items and their order, then what other events say about them:
  // some (speech_started) name an item before it is created.
  const anchored = new Set<string>()
  for (const { at, event, type, time } of events) {
    firstTime ??= time
    lastTime = time ?? lastTime
    if ((type === 'session.created' || type === 'session.updated') && callId === null) {
      const sessionObject = read.object(event.session, pointerTo(at, 'session'))
      callId = read.optionalString(sessionObject.id, pointerTo(pointerTo(at, 'session'), 'id'))
    }
    if (!ITEM_EVENTS.has(type)) continue
    const itemAt = pointerTo(at, 'item')
    const item = read.object(event.item, itemAt)
    const id = read.string(item.id, pointerTo(itemAt, 'id'))
    const state = items.get(id)
    if (state) {
      // Later events carry the finished item (content, status).
      state.item = item
      state.pointer = itemAt
    } else {
      items.set(id, { item, pointer: itemAt, events: [], texts: new Map(), firstSeen: time, truncatedAtMs: null, deleted: false, audioStartMs: null, audioEndMs: null })
      order.push(id)
    }
    // An item first seen without a place (response.output_item.added) takes the one a later event gives it.
    if ('previous_item_id' in event && !anchored.has(id)) {
      anchored.add(id)
      order.splice(order.indexOf(id), 1)
      place(order, id, read.optionalString(event.previous_item_id, pointerTo(at, 'previous_item_id')))
    }
  }
  events.forEach(({ at, event, type }, index) => {
    const itemId = ITEM_EVENTS.has(type) ? ((event.item as Json).id as string) : typeof event.item_id === 'string' ? event.item_id : null
    const state = itemId === null ? undefined : items.get(itemId)
    if (!state) {
      other.push([index, event])
      return
    }
    state.events.push([index, event])
    const field = TRANSCRIPT_EVENTS[type]
    if (field) {
      const contentIndex = read.optionalNumber(event.content_index, pointerTo(at, 'content_index')) ?? 0
      state.texts.set(contentIndex, read.string(event[field], pointerTo(at, field)))
    } else if (type === 'conversation.item.truncated') {
      state.truncatedAtMs = read.number(event.audio_end_ms, pointerTo(at, 'audio_end_ms'))
    } else if (type === 'conversation.item.deleted') {
      state.deleted = true
    } else if (type === 'input_audio_buffer.speech_started') {
      state.audioStartMs = read.number(event.audio_start_ms, pointerTo(at, 'audio_start_ms'))
    } else if (type === 'input_audio_buffer.speech_stopped') {
      state.audioEndMs = read.number(event.audio_end_ms, pointerTo(at, 'audio_end_ms'))
    }
  })

  const providerId = callId ?? contentHashId(payload)
  const startedAt = firstTime ?? context.modifiedAt ?? new Date(0)
  let previous = startedAt
  const messages = order.map((id) => {
    const message = toRow(items.get(id)!, providerId, startedAt, previous, read)
    // What follows a user's speech follows its end: a reply is not said while it is being asked.
    const endS = message.metadata.end_s
    previous = typeof endS === 'number' ? new Date(Math.max(message.createdAt.getTime(), startedAt.getTime() + Math.round(endS * 1000))) : message.createdAt
    return message
  })
  // Without logger stamps the log has no clock but the input audio's: items keep their order, and say so.
  const orderOnly = firstTime === null && !order.some((id) => items.get(id)!.audioStartMs !== null)
  return {
    session: {
      sessionId: importedSessionId('openai-realtime', providerId),
      userId: null,
      startedAt,
      endedAt: lastTime,
      endedReason: null,
      metadata: { source: { platform: 'openai-realtime', id: providerId, shape: wrapped ? 'object' : 'array', ...(orderOnly && order.length > 0 && { timing: 'order-only' }), raw: { events: other, ...(wrapped && { wrapper: omitEvents(wrapper) }) } } },
    },
    messages,
    pointer: '',
  }
}

/** Inserts `id` where `previous_item_id` says: after that item, first when null, last when unknown. */
function place(order: string[], id: string, previous: string | null): void {
  if (previous === null) {
    order.unshift(id)
    return
  }
  const at = order.indexOf(previous)
  if (at === -1) order.push(id)
  else order.splice(at + 1, 0, id)
}

function toRow(state: ItemState, callId: string, startedAt: Date, previous: Date, read: PayloadReader): ImportedMessage {
  const { item, pointer } = state
  const itemKey = item.id as string
  const spoken = state.firstSeen === null && state.audioStartMs !== null
  // Never before the item before it: order is the one thing every log has.
  const createdAt = state.firstSeen ?? (spoken ? new Date(Math.max(previous.getTime(), startedAt.getTime() + state.audioStartMs!)) : previous)
  const metadata: Json = {
    ...(state.firstSeen && { start_s: roundSeconds(secondsBetween(startedAt, state.firstSeen)) }),
    ...(spoken && { start_s: state.audioStartMs! / 1000, ...(state.audioEndMs !== null && { end_s: state.audioEndMs / 1000 }) }),
    ...(state.deleted && { deleted: true }),
  }
  const common = { platform: 'openai-realtime' as const, callId, itemKey, createdAt, pointer }
  let message: ImportedMessage
  if (item.type === 'function_call') {
    const name = read.string(item.name, pointerTo(pointer, 'name'))
    const args = read.optionalString(item.arguments, pointerTo(pointer, 'arguments')) ?? ''
    const callIdOfTool = read.optionalString(item.call_id, pointerTo(pointer, 'call_id'))
    message = row({ ...common, role: 'tool', sourceRole: 'function_call', content: `${name}(${args})`, metadata: { ...metadata, tool: { kind: 'call', call_id: callIdOfTool, name, arguments: args } } })
  } else if (item.type === 'function_call_output') {
    const output = read.optionalString(item.output, pointerTo(pointer, 'output')) ?? ''
    const callIdOfTool = read.optionalString(item.call_id, pointerTo(pointer, 'call_id'))
    message = row({ ...common, role: 'tool', sourceRole: 'function_call_output', content: output, metadata: { ...metadata, tool: { kind: 'result', call_id: callIdOfTool } } })
  } else if (item.type !== undefined && item.type !== 'message') {
    const type = read.string(item.type, pointerTo(pointer, 'type'))
    message = eventRow({ ...common, sourceRole: type, type, metadata })
  } else {
    const sourceRole = read.string(item.role, pointerTo(pointer, 'role'))
    const role = ROLES[sourceRole] ?? read.fail(pointerTo(pointer, 'role'), `must be one of ${Object.keys(ROLES).join(', ')}; got "${sourceRole}"`)
    const parts = item.content === undefined ? [] : read.array(item.content, pointerTo(pointer, 'content'))
    const own = parts.map((part, index) => {
      const value = read.object(part, pointerTo(pointerTo(pointer, 'content'), index))
      return typeof value.text === 'string' ? value.text : typeof value.transcript === 'string' ? value.transcript : null
    })
    // A transcript or text event names its content part; the last item a log shows may list fewer parts (or none).
    const count = Math.max(own.length, ...[...state.texts.keys()].map((index) => index + 1))
    const text = Array.from({ length: count }, (_, index) => state.texts.get(index) ?? own[index] ?? '')
      .filter((partText) => partText !== '')
      .join('\n')
    // Realtime reports only where the audio was cut, not the words heard by then.
    const interrupted = state.truncatedAtMs === null ? {} : { interrupted: true, generated_text: text, audio_end_s: state.truncatedAtMs / 1000 }
    message = row({ ...common, role, sourceRole, content: text, metadata: { ...metadata, ...interrupted } })
  }
  sourceOf(message).raw = { events: state.events }
  return message
}

function toLog(imported: ImportedSession): unknown {
  const source = sessionSourceOf(imported)
  const logged: Logged[] = [...((source.raw.events as Logged[] | undefined) ?? [])]
  for (const rows of itemsOf(imported.messages)) logged.push(...((sourceOf(rows[0]!).raw.events as Logged[] | undefined) ?? []))
  const events = logged.sort((a, b) => a[0] - b[0]).map(([, event]) => event)
  return source.shape === 'object' ? { ...(source.raw.wrapper as Json | undefined), events } : events
}

function omitEvents(wrapper: Json): Json {
  const { events: _, ...rest } = wrapper
  return rest
}

export const openaiRealtime: ImportAdapter = {
  platform: 'openai-realtime',
  parse(payload: unknown, context: ImportContext): ImportedSession[] {
    return [parseLog(payload, context)]
  },
  toPlatform(sessions) {
    const logs = sessions.map(toLog)
    return onePayloadOrMany(logs)
  },
}
