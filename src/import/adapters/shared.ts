// What every adapter does the same way: ids, `metadata.source`, and the
// residue that makes each item and session round-trip exactly.
import type { Metadata, Role } from '../../model/types.js'
import { importedMessageId, importedSessionId } from '../ids.js'
import { applyResidue, residue } from '../lossless.js'
import { PayloadReader } from '../reader.js'
import type { ImportAdapter, ImportContext, ImportedMessage, ImportedSession, MessageSource, Platform, SessionRecording, SessionSource } from '../types.js'

export type Json = Record<string, unknown>

export interface RowInput {
  platform: Platform
  callId: string
  /** The provider's item id, or the item's place in the file; unique inside the call. */
  itemKey: string
  /** The key shared by the rows of one item (default: itemKey). */
  item?: string
  role: Role
  sourceRole: string
  content: string
  createdAt: Date
  pointer: string
  audioUrl?: string | null
  /** More metadata keys: start_s, end_s, interrupted, generated_text, tool. */
  metadata?: Metadata
}

export function row(input: RowInput): ImportedMessage {
  const source: MessageSource = { platform: input.platform, role: input.sourceRole, item: input.item ?? input.itemKey, raw: {} }
  return {
    id: importedMessageId(input.platform, input.callId, input.itemKey),
    role: input.role,
    content: input.content,
    audioUrl: input.audioUrl ?? null,
    metadata: { ...dropUndefined(input.metadata ?? {}), source },
    createdAt: input.createdAt,
    pointer: input.pointer,
  }
}

export function sourceOf(message: Pick<ImportedMessage, 'metadata'>): MessageSource {
  return message.metadata.source as MessageSource
}

export function sessionSourceOf(imported: ImportedSession): SessionSource {
  return imported.session.metadata.source as SessionSource
}

/** Stores on the item's first row what `rebuild(rows)` cannot reproduce of `original`. */
export function keepResidue(rows: ImportedMessage[], original: Json, rebuild: (rows: ImportedMessage[]) => Json): void {
  const first = rows[0]
  if (first) sourceOf(first).raw = residue(original, rebuild(rows))
}

/** The provider's item again: the rebuild with its residue applied. */
export function restoreItem(rows: ImportedMessage[], rebuild: (rows: ImportedMessage[]) => Json): Json {
  return applyResidue(rebuild(rows), rows[0] ? sourceOf(rows[0]).raw : undefined)
}

/** A session's rows grouped by the item they came from, in order. */
export function itemsOf(messages: readonly ImportedMessage[]): ImportedMessage[][] {
  const groups: ImportedMessage[][] = []
  for (const message of messages) {
    const last = groups.at(-1)
    if (last && sourceOf(last[0]!).item === sourceOf(message).item) last.push(message)
    else groups.push([message])
  }
  return groups
}

export interface SessionInput {
  platform: Platform
  callId: string
  startedAt: Date
  endedAt: Date | null
  endedReason: string | null
  messages: ImportedMessage[]
  pointer: string
  shape?: string
  /** The payload says nothing about when its turns were said. */
  orderOnly?: boolean
  recording?: SessionRecording | null
}

/** The session, with the residue of `original` against `rebuild` as `metadata.source.raw`. */
export function session(input: SessionInput, original: Json, rebuild: (imported: ImportedSession) => Json): ImportedSession {
  const source: SessionSource = {
    platform: input.platform,
    id: input.callId,
    ...(input.shape && { shape: input.shape }),
    ...(input.orderOnly && { timing: 'order-only' as const }),
    raw: {},
  }
  const imported: ImportedSession = {
    session: {
      sessionId: importedSessionId(input.platform, input.callId),
      userId: null,
      startedAt: input.startedAt,
      endedAt: input.endedAt,
      endedReason: input.endedReason,
      metadata: { source, ...(input.recording && { recording: input.recording }) },
    },
    messages: input.messages,
    pointer: input.pointer,
  }
  source.raw = residue(original, rebuild(imported))
  return imported
}

export function restoreSession(imported: ImportedSession, rebuild: (imported: ImportedSession) => Json): Json {
  return applyResidue(rebuild(imported), sessionSourceOf(imported).raw)
}

/** One payload, or an array of them (a file of many calls). */
export function eachPayload(payload: unknown): Array<{ value: unknown; pointer: string }> {
  return Array.isArray(payload) ? payload.map((value, index) => ({ value, pointer: `/${index}` })) : [{ value: payload, pointer: '' }]
}

export function onePayloadOrMany(payloads: unknown[]): unknown {
  return payloads.length === 1 ? payloads[0] : payloads
}

/** The adapter of a platform whose file holds one call's report, or an array of them. */
export function callReportAdapter(
  platform: Platform,
  parseOne: (payload: unknown, pointer: string, read: PayloadReader, context: ImportContext) => ImportedSession,
  rebuildSession: (imported: ImportedSession) => Json,
): ImportAdapter {
  return {
    platform,
    parse(payload, context) {
      const read = new PayloadReader(context.path)
      return eachPayload(payload).map(({ value, pointer }) => parseOne(value, pointer, read, context))
    },
    toPlatform(sessions) {
      return onePayloadOrMany(sessions.map((imported) => restoreSession(imported, rebuildSession)))
    },
  }
}

export function iso(date: Date): string {
  return date.toISOString()
}

/** Seconds rounded to the millisecond, so offsets read as people write them. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000
}

function dropUndefined(metadata: Metadata): Metadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined))
}

/**
 * No silent loss: every entry of a payload's turn list must have given at
 * least one row (rows name their entry in `metadata.source.item`). An entry
 * without a row fails the session, naming it, instead of vanishing.
 */
export function requireEveryEntry(read: PayloadReader, listAt: string, keys: readonly string[], messages: readonly ImportedMessage[]): void {
  const stored = new Set(messages.map((message) => sourceOf(message).item))
  const skipped = keys.filter((key) => !stored.has(key))
  if (skipped.length > 0) {
    read.fail(`${listAt}/${keys.indexOf(skipped[0]!)}`, `was not imported: no row was made of this entry (${skipped.length} of ${keys.length} entries skipped)`)
  }
}

/**
 * An entry of a type this adapter has no mapping for (a new platform event,
 * a DTMF press…): kept as a `system` row whose `metadata.event` names the
 * type, so it is stored, shown and round-tripped rather than refusing the call.
 */
export function eventRow(input: Omit<RowInput, 'role' | 'content'> & { content?: string; type: string }): ImportedMessage {
  const { type, content, metadata, ...rest } = input
  return row({ ...rest, role: 'system', content: content ?? `[${type}]`, metadata: { ...metadata, event: type } })
}

/** A recording's variants, without the ones the payload leaves empty; null when it has none. */
export function recordingOf(url: unknown, variants: Record<string, unknown>): SessionRecording | null {
  const found = Object.fromEntries(Object.entries(variants).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''))
  const main = typeof url === 'string' && url !== '' ? url : (found.stereo_url ?? Object.values(found)[0])
  return main === undefined ? null : { url: main, ...found }
}
