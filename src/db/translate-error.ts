import {
  ConflictError,
  GoneError,
  NotFoundError,
  ParleyError,
  UnavailableError,
  ValidationError,
} from '../model/errors.js'

interface DriverError {
  code?: unknown
  message?: unknown
  column?: unknown
  constraint?: unknown
  detail?: unknown
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

/**
 * Turns a driver error into a typed Parley error. Matches on `code` (SQLSTATE
 * or Node's errno), never on the class: `pg` and PGlite ship different ones.
 */
export function translateError(error: unknown, description: string): unknown {
  if (error instanceof ParleyError || typeof error !== 'object' || error === null) {
    return error
  }
  const { code, message, column, constraint, detail } = error as DriverError
  const text = typeof message === 'string' ? message : String(error)
  if (typeof code !== 'string') {
    // Neither driver gives these a code.
    if (/^PGlite is closed|Cannot use a pool after calling end/.test(text)) {
      return unavailable('DATABASE_CLOSED', `${description} is closed`, error)
    }
    if (/Connection terminated|connection timeout/i.test(text)) {
      return unavailable('DATABASE_UNAVAILABLE', `cannot reach ${description}: ${text}`, error)
    }
    return error
  }
  if (networkCodes.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300') {
    return unavailable('DATABASE_UNAVAILABLE', `cannot reach ${description}: ${text || code}`, error)
  }
  if (code === '28P01' || code === '28000') {
    return unavailable('DATABASE_AUTH_FAILED', `${description} refused the login: ${text}`, error)
  }
  if (code === '3D000') {
    return unavailable('DATABASE_NOT_FOUND', `${description}: ${text}`, error)
  }
  if (code === '57014') {
    return unavailable('DATABASE_TIMEOUT', `the database cancelled the statement: ${text}`, error)
  }
  // Parley's own, raised by migrations/0014's triggers.
  if (code === 'PX410') return new GoneError('SESSION_ERASED', text, { cause: error })
  if (code === 'PX403') return new ConflictError('AUDIT_APPEND_ONLY', text, { cause: error })
  if (code === '23505') {
    return new ConflictError('UNIQUE_VIOLATION', detail ? `${text} (${detail})` : text, { cause: error })
  }
  if (code === '23503') {
    return new NotFoundError('REFERENCE_NOT_FOUND', detail ? `${text} (${detail})` : text, { cause: error })
  }
  if (code === '23514' || code === '23502' || code.startsWith('22')) {
    const field = typeof column === 'string' ? column : typeof constraint === 'string' ? constraint : 'value'
    const wrapped = new ValidationError(field, text, 'DATABASE_REJECTED')
    return Object.assign(wrapped, { cause: error })
  }
  return error
}

function unavailable(code: string, message: string, cause: unknown): UnavailableError {
  return new UnavailableError(code, message, { cause })
}
