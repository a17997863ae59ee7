import type { Message, Session } from '../model/types.js'
import type { SessionExport } from './types.js'

/** A caption: who spoke what, from `start` to `end` seconds after the session started. */
export interface Cue {
  index: number
  start: number
  end: number
  speaker: string
  text: string
}

// A last cue with nothing after it to end it is shown this long,
const LAST_CUE_SECONDS = 2
// or until the session's end, if that comes within this long (a call left open for days is not a caption).
const MAX_LAST_CUE_SECONDS = 30

const SPEAKERS: Partial<Record<Message['role'], string>> = { user: 'User', assistant: 'Assistant' }

// Both formats write milliseconds: times are compared as written, or an end 0.3 ms after its start would be a zero-length cue.
const toMillis = (seconds: number) => Math.round(seconds * 1000) / 1000

function offset(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? toMillis(value) : undefined
}

/** Seconds from the session's start, to the millisecond: `metadata.start_s`, else `created_at − started_at` (never negative). */
export function startOffset(message: Message, session: Session): number {
  return offset(message.metadata.start_s) ?? toMillis(Math.max(0, (message.createdAt.getTime() - session.startedAt.getTime()) / 1000))
}

/** The end: `metadata.end_s`, else the next cue's start, else the session's end (within 30 s), else start + 2 s. */
function endOffset(message: Message, start: number, nextStart: number | undefined, sessionEnd: number | undefined): number {
  const nearEnd = sessionEnd !== undefined && sessionEnd <= start + MAX_LAST_CUE_SECONDS ? sessionEnd : undefined
  for (const candidate of [offset(message.metadata.end_s), nextStart, nearEnd]) {
    if (candidate !== undefined && candidate > start) return candidate
  }
  return start + LAST_CUE_SECONDS
}

/**
 * The spoken turns (user and assistant; system and tool rows are not speech)
 * of one session as cues, in order. Looks one message ahead for the end.
 */
export async function* cuesOf({ session, pages }: SessionExport): AsyncGenerator<Cue, void, undefined> {
  const sessionEnd = session.endedAt ? toMillis((session.endedAt.getTime() - session.startedAt.getTime()) / 1000) : undefined
  let pending: { message: Message; start: number } | undefined
  let index = 0
  const cue = (message: Message, start: number, nextStart: number | undefined): Cue => ({
    index: ++index,
    start,
    end: endOffset(message, start, nextStart, sessionEnd),
    speaker: SPEAKERS[message.role]!,
    text: message.content,
  })
  for await (const page of pages) {
    for (const message of page) {
      if (!SPEAKERS[message.role] || message.content.trim() === '') continue
      // Caption players expect cues in start order; an out-of-order offset waits for the one before.
      const start = Math.max(startOffset(message, session), pending?.start ?? 0)
      if (pending) yield cue(pending.message, pending.start, start)
      pending = { message, start }
    }
  }
  if (pending) yield cue(pending.message, pending.start, undefined)
}

/** `HH:MM:SS<separator>mmm`, as both caption formats write times. */
export function clock(seconds: number, separator: '.' | ','): string {
  const millis = Math.round(seconds * 1000)
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  const hours = Math.floor(millis / 3_600_000)
  const minutes = Math.floor(millis / 60_000) % 60
  const secs = Math.floor(millis / 1000) % 60
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)}${separator}${pad(millis % 1000, 3)}`
}

/** Cue text without blank lines (a blank line ends a cue in both formats). */
export function cueLines(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n')
}
