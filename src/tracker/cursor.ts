import { ValidationError } from '../model/errors.js'
import { isUuid } from '../model/validate.js'

/** A page's cursor: the last row's sort position (a timestamp as text, microseconds kept) and its id. */
export function encodeCursor(position: string, id: string): string {
  return Buffer.from(JSON.stringify([position, id])).toString('base64url')
}

/** A cursor `encodeCursor` made, or a ValidationError naming `cursor`. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(value) && value.length === 2) {
      const [position, id] = value as [unknown, unknown]
      if (typeof position === 'string' && !Number.isNaN(Date.parse(position)) && isUuid(id)) return [position, id.toLowerCase()]
    }
  } catch {
    // Reported below, like any other cursor this API did not return.
  }
  throw new ValidationError('cursor', 'is not a cursor this API returned; pass the next cursor of the previous page')
}
