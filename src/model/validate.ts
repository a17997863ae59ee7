import { ValidationError } from './errors.js'
import { MAX_REASON_LENGTH, MAX_URL_LENGTH, PAGE_LIMITS, type Limits } from './limits.js'
import { timeOrderedId } from './time-ordered-id.js'
import {
  ROLES,
  type AddMessageInput,
  type AuditOptions,
  type ListMessagesOptions,
  type ListSessionsOptions,
  type Metadata,
  type Role,
  type SearchOptions,
  type StartSessionInput,
  type StatsOptions,
} from './types.js'

/** The one UUID rule: any version, any case, no braces or `urn:uuid:` prefix. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const UUID = new RegExp(UUID_PATTERN)

/** True for a UUID as Parley accepts it. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

/** A message checked and normalised, ready for the batch insert. */
export interface ValidMessage {
  id: string
  sessionId: string
  role: Role
  content: string
  audioUrl: string | null
  metadata: Metadata
  /** `metadata` as JSON, made once here for the batch statement. */
  metadataJson: string
  createdAt: Date | null
}

export interface ValidSessionStart {
  sessionId: string | null
  userId: string | null
  metadata: Metadata
  startedAt: Date | null
}

export function validateStartSession(input: StartSessionInput | undefined, limits: Limits): ValidSessionStart {
  const value = objectOf(input ?? {}, 'input', ['sessionId', 'userId', 'metadata', 'startedAt'])
  return {
    sessionId: optionalUuid(value.sessionId, 'sessionId'),
    userId: optionalUuid(value.userId, 'userId'),
    metadata: optionalMetadata(value.metadata, 'metadata', limits),
    startedAt: optionalDate(value.startedAt, 'startedAt'),
  }
}

export function validateMessages(inputs: readonly AddMessageInput[], limits: Limits): ValidMessage[] {
  if (!Array.isArray(inputs)) throw new ValidationError('messages', 'must be an array of messages')
  if (inputs.length === 0) throw new ValidationError('messages', 'must hold at least one message')
  if (inputs.length > limits.maxMessagesPerCall) {
    throw new ValidationError('messages', `holds ${inputs.length} messages; at most ${limits.maxMessagesPerCall} per call`)
  }
  const seen = new Set<string>()
  return inputs.map((input, index) => {
    const message = validateMessage(input, limits, inputs.length === 1 ? '' : `messages[${index}].`)
    if (seen.has(message.id)) throw new ValidationError(`messages[${index}].id`, 'appears twice in one call')
    seen.add(message.id)
    return message
  })
}

function validateMessage(input: AddMessageInput, limits: Limits, prefix: string): ValidMessage {
  const value = objectOf(input, prefix ? prefix.slice(0, -1) : 'message', [
    'sessionId',
    'role',
    'content',
    'id',
    'audioUrl',
    'metadata',
    'createdAt',
  ])
  const role = requiredRole(value.role, `${prefix}role`)
  const id = optionalUuid(value.id, `${prefix}id`) ?? timeOrderedId()
  const sessionId = requiredUuid(value.sessionId, `${prefix}sessionId`)
  const content = text(value.content, `${prefix}content`, limits.maxContentBytes)
  const audioUrl = optionalUrl(value.audioUrl, `${prefix}audioUrl`)
  const { metadata, json } = metadataAndJson(value.metadata, `${prefix}metadata`, limits)
  const createdAt = optionalDate(value.createdAt, `${prefix}createdAt`)
  return { id, sessionId, role, content, audioUrl, metadata, metadataJson: json, createdAt }
}

export function validateSessionId(value: unknown, field = 'sessionId'): string {
  return requiredUuid(value, field)
}

export function validateEndReason(value: unknown): string | null {
  const options = objectOf(value ?? {}, 'options', ['reason'])
  if (options.reason === undefined || options.reason === null) return null
  return text(options.reason, 'reason', MAX_REASON_LENGTH)
}

export function validateListMessages(options: ListMessagesOptions | undefined): { after: string | null; limit: number } {
  const value = objectOf(options ?? {}, 'options', ['after', 'limit'])
  return { after: optionalUuid(value.after, 'after'), limit: optionalLimit(value.limit, PAGE_LIMITS.messages) }
}

export function validateListSessions(options: ListSessionsOptions | undefined): {
  userId: string | null
  active: boolean | null
  from: Date | null
  to: Date | null
  limit: number
  cursor: string | null
  metadata: Metadata | null
  minDuration: number | null
} {
  const value = objectOf(options ?? {}, 'options', ['userId', 'active', 'from', 'to', 'limit', 'cursor', 'metadata', 'minDuration'])
  if (value.active !== undefined && value.active !== null && typeof value.active !== 'boolean') {
    throw new ValidationError('active', `must be true or false; got ${describe(value.active)}`)
  }
  return {
    userId: optionalUuid(value.userId, 'userId'),
    active: (value.active as boolean | undefined) ?? null,
    from: optionalDate(value.from, 'from'),
    to: optionalDate(value.to, 'to'),
    limit: optionalLimit(value.limit, PAGE_LIMITS.sessions),
    cursor: optionalCursor(value.cursor),
    metadata: metadataFilter(value.metadata),
    minDuration: optionalSeconds(value.minDuration, 'minDuration'),
  }
}

export function validateSearch(options: SearchOptions | undefined): {
  q: string
  userId: string | null
  role: Role | null
  from: Date | null
  to: Date | null
  limit: number
  cursor: string | null
} {
  const value = objectOf(options ?? {}, 'options', ['q', 'userId', 'role', 'from', 'to', 'limit', 'cursor'])
  const q = text(value.q ?? '', 'q', MAX_URL_LENGTH)
  if (q.trim() === '') throw new ValidationError('q', 'must hold the words to search for')
  return {
    q,
    userId: optionalUuid(value.userId, 'userId'),
    role: value.role === undefined || value.role === null ? null : requiredRole(value.role, 'role'),
    from: optionalDate(value.from, 'from'),
    to: optionalDate(value.to, 'to'),
    limit: optionalLimit(value.limit, PAGE_LIMITS.search),
    cursor: optionalCursor(value.cursor),
  }
}

/** A bulk export's window, checked as real instants before any query runs. */
export function validateExportWindow(from: unknown, to: unknown): { from: Date | null; to: Date | null } {
  const start = optionalDate(from, 'from')
  const end = optionalDate(to, 'to')
  if (start && end && start >= end) throw new ValidationError('to', 'must be after from')
  return { from: start, to: end }
}

export function validateStats(options: StatsOptions | undefined): { userId: string | null; from: Date | null; to: Date | null } {
  const value = objectOf(options ?? {}, 'options', ['userId', 'from', 'to'])
  const from = optionalDate(value.from, 'from')
  const to = optionalDate(value.to, 'to')
  if (from && to && from > to) throw new ValidationError('to', 'must not be before from')
  return { userId: optionalUuid(value.userId, 'userId'), from, to }
}

export function validateAudit(options: AuditOptions | undefined): { since: Date | null; after: number; limit: number } {
  const value = objectOf(options ?? {}, 'options', ['since', 'after', 'limit'])
  const after = value.after ?? 0
  if (typeof after !== 'number' || !Number.isInteger(after) || after < 0) {
    throw new ValidationError('after', `must be the id of an audit entry; got ${describe(after)}`)
  }
  return { since: optionalDate(value.since, 'since'), after, limit: optionalLimit(value.limit, PAGE_LIMITS.messages) }
}

function requiredRole(value: unknown, field: string): Role {
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
    throw new ValidationError(field, `must be one of ${ROLES.join(', ')}; got ${describe(value)}`)
  }
  return value as Role
}

function optionalCursor(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new ValidationError('cursor', 'must be the nextCursor string of the previous page')
  return value
}

function metadataFilter(value: unknown): Metadata | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('metadata', `must be a JSON object such as {"channel": "phone"}; got ${describe(value)}`)
  }
  return value as Metadata
}

function optionalSeconds(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(field, `must be a number of seconds, 0 or more; got ${describe(value)}`)
  }
  return value
}

function objectOf(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, `must be an object; got ${describe(value)}`)
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const prefix = field === 'input' || field === 'message' || field === 'options' ? '' : `${field}.`
      throw new ValidationError(`${prefix}${key}`, `is not a known field (known: ${allowed.join(', ')})`)
    }
  }
  return value as Record<string, unknown>
}

function requiredUuid(value: unknown, field: string): string {
  if (value === undefined || value === null) throw new ValidationError(field, 'is required')
  if (!isUuid(value)) {
    throw new ValidationError(field, `must be a UUID such as 0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6; got ${describe(value)}`)
  }
  return value.toLowerCase()
}

function optionalUuid(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : requiredUuid(value, field)
}

function text(value: unknown, field: string, maxBytes: number): string {
  if (typeof value !== 'string') throw new ValidationError(field, `must be a string; got ${describe(value)}`)
  if (value.includes('\u0000')) throw new ValidationError(field, 'must not contain NUL (\\u0000) characters')
  const bytes = utf8LengthOver(value, maxBytes)
  if (bytes !== null) throw new ValidationError(field, `is ${bytes} bytes; the limit is ${maxBytes}`)
  return value
}

function optionalUrl(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  const url = text(value, field, MAX_URL_LENGTH)
  if (!URL.canParse(url)) throw new ValidationError(field, `must be an absolute URL such as https://cdn.example.com/calls/turn-1.wav; got "${url.slice(0, 80)}"`)
  return url
}

function optionalMetadata(value: unknown, field: string, limits: Limits): Metadata {
  return metadataAndJson(value, field, limits).metadata
}

/** Metadata as stored (a plain JSON object), and its JSON text. */
function metadataAndJson(value: unknown, field: string, limits: Limits): { metadata: Metadata; json: string } {
  if (value === undefined || value === null) return { metadata: {}, json: '{}' }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(field, `must be a JSON object; got ${describe(value)}`)
  }
  let json: string
  try {
    json = JSON.stringify(value)
  } catch (error) {
    throw new ValidationError(field, `cannot be stored as JSON: ${(error as Error).message}`)
  }
  const bytes = utf8LengthOver(json, limits.maxMetadataBytes)
  if (bytes !== null) {
    throw new ValidationError(field, `is ${bytes} bytes as JSON; the limit is ${limits.maxMetadataBytes}`)
  }
  const metadata = JSON.parse(json) as Metadata
  // JSON writes a NUL as \u0000, so only text holding that can have one.
  if (json.includes('\\u0000') && containsNul(metadata)) {
    throw new ValidationError(field, 'must not contain NUL (\\u0000) characters')
  }
  return { metadata, json }
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (Array.isArray(value)) return value.some(containsNul)
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner))
  }
  return false
}

// RFC 3339, as the wire carries times: a date, a time and an offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

function optionalDate(value: unknown, field: string): Date | null {
  if (value === undefined || value === null) return null
  const date = value instanceof Date ? value : typeof value === 'string' ? parseTimestamp(value) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw new ValidationError(field, `must be a date or an RFC 3339 timestamp such as 2026-01-31T09:30:00Z; got ${describe(value)}`)
  }
  return date
}

/** A real instant, or undefined: no 30 February, no leap second (:60), no year 0. */
function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text)
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined
  const offset = match[8]!
  if (offset.length === 6 && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) return undefined
  return new Date(text.replace(' ', 'T'))
}

function optionalLimit(value: unknown, { default: fallback, max }: { default: number; max: number }): number {
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError('limit', `must be a whole number from 1 to ${max}; got ${describe(value)}`)
  }
  return value
}

/** A value as an error message names it: its kind, and a short string or number itself. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

/**
 * The UTF-8 size of `text` when it is over `max` bytes, else null. A UTF-16
 * unit is at most 3 bytes, so most texts need no count at all.
 */
function utf8LengthOver(text: string, max: number): number | null {
  if (text.length * 3 <= max) return null
  const bytes = utf8Length(text)
  return bytes > max ? bytes : null
}

/** UTF-8 size without allocating, and without Node's `Buffer`: the client SDK runs this in browsers too. */
function utf8Length(text: string): number {
  let bytes = text.length
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x80) continue
    if (code < 0x800) {
      bytes += 1
    } else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // a surrogate pair: 4 bytes for 2 units
      index++
    } else {
      bytes += 2 // the rest of the BMP, and a lone surrogate written as U+FFFD
    }
  }
  return bytes
}
