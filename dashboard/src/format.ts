// How figures read on screen: short durations, local times, turn offsets.
import { ForbiddenError, NetworkError, NotFoundError, UnauthorizedError, ValidationError } from '../../src/client/index.js'

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const minutes = Math.floor(seconds / 60)
  const rest = Math.round(seconds % 60)
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`
  return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 60)} h`
}

/** `m:ss` (or `h:mm:ss`) from the session's start. */
export function formatOffset(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export function formatTime(date: Date | string | null | undefined): string {
  if (!date) return '—'
  const value = new Date(date)
  return value.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

export function shortId(id: string): string {
  return `${id.slice(0, 8)}…`
}

/** What a person should read for a failed call: what happened and what to do, never a stack. */
export function explain(error: unknown): string {
  if (error instanceof UnauthorizedError) return 'The server did not accept this key. Check it, or create one with `npx parley keys create --scope read`.'
  if (error instanceof ForbiddenError) return 'This key may not do that: sign in with a read or admin key.'
  if (error instanceof NotFoundError) return 'Not found: it does not exist, or this key may not see it.'
  if (error instanceof ValidationError) return error.message
  if (error instanceof NetworkError) return `Could not reach the Parley server at ${location.origin}. Is \`parley serve\` running?`
  return (error as Error)?.message ?? String(error)
}
