import { describe } from '../model/validate.js'
import { ImportError } from './import-error.js'
import type { Platform } from './types.js'

type Json = Record<string, unknown>

/** `/messages` + `3` → `/messages/3` (RFC 6901 escaping). */
export function pointerTo(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`
}

/**
 * Reads a parsed JSON document field by field: each getter takes the value
 * and its JSON pointer, and a wrong shape throws an ImportError naming both.
 */
export class PayloadReader {
  constructor(readonly path: string) {}

  fail(pointer: string, problem: string): never {
    throw new ImportError(this.path, pointer, problem)
  }

  object(value: unknown, pointer: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(pointer, `must be an object; got ${describe(value)}`)
    return value as Json
  }

  array(value: unknown, pointer: string): unknown[] {
    if (!Array.isArray(value)) this.fail(pointer, `must be an array; got ${describe(value)}`)
    return value
  }

  /**
   * A list given bare (`[...]`) or under `key` of an object (`{"key": [...], ...}`),
   * as the chat and event-log formats allow: the list, where it is, and the object around it.
   */
  wrappedList(payload: unknown, key: string): { list: unknown[]; listAt: string; wrapper: Json | null } {
    if (Array.isArray(payload)) return { list: payload, listAt: '', wrapper: null }
    const wrapper = this.object(payload, '')
    return { list: this.array(wrapper[key], `/${key}`), listAt: `/${key}`, wrapper }
  }

  string(value: unknown, pointer: string): string {
    if (typeof value !== 'string') this.fail(pointer, `must be a string; got ${describe(value)}`)
    return value
  }

  optionalString(value: unknown, pointer: string): string | null {
    return value === undefined || value === null ? null : this.string(value, pointer)
  }

  number(value: unknown, pointer: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(pointer, `must be a number; got ${describe(value)}`)
    return value
  }

  optionalNumber(value: unknown, pointer: string): number | null {
    return value === undefined || value === null ? null : this.number(value, pointer)
  }

  /** One of `choices`. */
  oneOf<T extends string>(value: unknown, pointer: string, choices: readonly T[]): T {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.fail(pointer, `must be one of ${choices.join(', ')}; got ${describe(value)}`)
    }
    return value as T
  }

  /**
   * A point in time as platforms write it: an ISO 8601 string, epoch
   * seconds or epoch milliseconds (told apart by size: anything past
   * 10^11 is milliseconds, i.e. after 1973 in ms, year 5138 in seconds).
   */
  instant(value: unknown, pointer: string): Date {
    let date: Date | undefined
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) date = new Date(value)
    else if (typeof value === 'number' && Number.isFinite(value) && value > 0) date = new Date(value > 1e11 ? value : value * 1000)
    if (!date || Number.isNaN(date.getTime())) {
      this.fail(pointer, `must be a time (ISO 8601, epoch seconds or epoch milliseconds); got ${describe(value)}`)
    }
    return date
  }

  optionalInstant(value: unknown, pointer: string): Date | null {
    return value === undefined || value === null ? null : this.instant(value, pointer)
  }

  /** Seconds from the start of the call: a number, not negative. */
  offset(value: unknown, pointer: string): number {
    const seconds = this.number(value, pointer)
    if (seconds < 0) this.fail(pointer, `must be seconds from the start of the call (0 or more); got ${seconds}`)
    return seconds
  }
}

/** `startedAt` + `seconds`, to the millisecond. */
export function plusSeconds(startedAt: Date, seconds: number): Date {
  return new Date(startedAt.getTime() + Math.round(seconds * 1000))
}

/** Seconds from `startedAt` to `at`. */
export function secondsBetween(startedAt: Date, at: Date): number {
  return (at.getTime() - startedAt.getTime()) / 1000
}

/** What `detectPlatform` recognises, for the line an unrecognised file gets. */
export const KNOWN_SHAPES =
  'vapi ({"message": {"type": "end-of-call-report"|"status-update"…}} or a call {"id", "artifact"|"messages"}), ' +
  'retell ({"call_id"…} or {"event", "call"}), elevenlabs ({"conversation_id"…} or {"type", "data"}), ' +
  'livekit ({"chat_history"…} or {"items": […]}), openai-realtime ([{"type": "session.created"…}…] or {"events"}), ' +
  'openai-chat ([{"role", "content"}…] or {"messages"}), vercel-ui ([{"role", "parts"}…] or {"id", "messages"}), ' +
  'parley ({"format": "parley"…})'

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The platform whose payload this is, from its shape alone (what `parley
 * import` does without `--from`); null when it is none Parley knows. A file
 * of many calls is recognised by its first.
 */
export function detectPlatform(payload: unknown): Platform | null {
  if (Array.isArray(payload)) {
    const first = payload[0]
    if (!isObject(first)) return null
    if (typeof first.type === 'string' && /^[a-z_]+\.[a-z_.]+$/.test(first.type)) return 'openai-realtime'
    if (typeof first.role === 'string') return Array.isArray(first.parts) ? 'vercel-ui' : 'openai-chat'
    return detectPlatform(first)
  }
  if (!isObject(payload)) return null
  const p = payload
  if (p.format === 'parley' || (isObject(p.session) && Array.isArray(p.messages))) return 'parley'
  if (isObject(p.message) && (typeof p.message.type === 'string' || isObject(p.message.call))) return 'vapi'
  if (typeof p.id === 'string' && (isObject(p.artifact) || (Array.isArray(p.messages) && typeof p.orgId === 'string'))) return 'vapi'
  if (typeof p.call_id === 'string' || (typeof p.event === 'string' && isObject(p.call) && typeof p.call.call_id === 'string')) return 'retell'
  if (typeof p.conversation_id === 'string' || (typeof p.type === 'string' && isObject(p.data) && typeof p.data.conversation_id === 'string')) return 'elevenlabs'
  if (isObject(p.chat_history) || (Array.isArray(p.items) && p.items.every((item) => isObject(item) && typeof item.id === 'string'))) return 'livekit'
  if (Array.isArray(p.events)) return 'openai-realtime'
  if (Array.isArray(p.messages)) {
    const first = p.messages[0]
    if (isObject(first) && Array.isArray(first.parts)) return 'vercel-ui'
    return typeof p.id === 'string' && !isObject(first) ? 'vercel-ui' : 'openai-chat'
  }
  return null
}
