import { ValidationError } from '../../model/errors.js'
import { adapters } from '../../import/adapters/index.js'
import { ImportError } from '../../import/import-error.js'
import type { ImportedMessage, ImportedSession, Platform } from '../../import/types.js'
import type { WebhookPlatform } from '../../model/types.js'

export { WEBHOOK_PLATFORMS, type WebhookPlatform } from '../../model/types.js'

/**
 * What one verified delivery asks of Parley. `converge` carries the whole
 * conversation as the provider lists it now: live (`stage` null) or final.
 */
export type WebhookAction =
  | { kind: 'ignore'; reason: string }
  | { kind: 'open'; callId: string; startedAt: Date }
  | { kind: 'end'; callId: string; reason: string | null }
  | { kind: 'turn'; callId: string; startedAt: Date; message: ImportedMessage }
  | { kind: 'converge'; callId: string; imported: ImportedSession; stage: number | null }

/** `message.call.id` for the JSON pointer `/message/call/id`: what a 400 names. */
export function fieldOf(pointer: string): string {
  const field = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
  return field === '' ? 'body' : field
}

/** The import adapter's reading of a payload, its errors naming the field of the body. */
export function parseWith(platform: Platform, payload: unknown): ImportedSession {
  try {
    const [imported] = adapters[platform].parse(payload, { path: 'webhook' })
    return imported!
  } catch (error) {
    if (error instanceof ImportError) throw new ValidationError(fieldOf(error.pointer), error.reason)
    throw error
  }
}

/** A JSON object, else a 400 naming `field`. */
export function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'must be an object')
  return value as Record<string, unknown>
}

/** A non-empty string, else a 400 naming `field`. */
export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'must be a non-empty string')
  return value
}

/** A time as the platforms write them (ISO text, epoch ms or s), else a 400 naming `field`. */
export function timeAt(value: unknown, field: string): Date {
  const date =
    typeof value === 'string' ? new Date(value) : typeof value === 'number' ? new Date(value > 1e11 ? value : value * 1000) : new Date(Number.NaN)
  if (Number.isNaN(date.getTime())) throw new ValidationError(field, 'must be a time (ISO 8601 or epoch milliseconds)')
  return date
}
