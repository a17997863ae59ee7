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

// pg's messages when a connection dies under a query (no code of their own).
const CONNECTION_LOST =
  /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed and is not queryable|terminating connection/i

/**
 * States of the database that are nobody's mistake in the request: each is a
 * 503 with `Retry-After`, and retrying later is the right thing to do.
 */
export const UNAVAILABLE_CONDITIONS: Readonly<Record<string, { code: string; message: string; retryAfterSeconds: number }>> = {
  '25006': { code: 'DATABASE_READ_ONLY', message: 'the database accepts no writes right now (read-only, a standby or a failover)', retryAfterSeconds: 5 },
  '53000': { code: 'DATABASE_OVERLOADED', message: 'the database is out of resources', retryAfterSeconds: 5 },
  '53100': { code: 'DATABASE_DISK_FULL', message: 'the database disk is full', retryAfterSeconds: 30 },
  '53200': { code: 'DATABASE_OVERLOADED', message: 'the database is out of memory', retryAfterSeconds: 5 },
  '53300': { code: 'DATABASE_TOO_MANY_CONNECTIONS', message: 'the database has no connection to spare', retryAfterSeconds: 2 },
  '53400': { code: 'DATABASE_OVERLOADED', message: 'the database hit a configured limit', retryAfterSeconds: 5 },
  '57P01': { code: 'DATABASE_UNAVAILABLE', message: 'the database is shutting down', retryAfterSeconds: 5 },
  '57P02': { code: 'DATABASE_UNAVAILABLE', message: 'the database crashed and is restarting', retryAfterSeconds: 5 },
  '57P03': { code: 'DATABASE_UNAVAILABLE', message: 'the database is starting up', retryAfterSeconds: 5 },
  '57P05': { code: 'DATABASE_UNAVAILABLE', message: 'the database closed an idle connection', retryAfterSeconds: 1 },
  '55P03': { code: 'DATABASE_LOCK_TIMEOUT', message: 'a row this request needs is locked by another transaction', retryAfterSeconds: 1 },
  '57014': { code: 'DATABASE_TIMEOUT', message: 'the database cancelled the statement (statement timeout or shutdown)', retryAfterSeconds: 2 },
  '40001': { code: 'DATABASE_CONFLICT_RETRY', message: 'the database could not serialise this transaction', retryAfterSeconds: 1 },
  '40P01': { code: 'DATABASE_CONFLICT_RETRY', message: 'the database broke a deadlock by cancelling this transaction', retryAfterSeconds: 1 },
  '58000': { code: 'DATABASE_UNAVAILABLE', message: 'the database had a system error', retryAfterSeconds: 5 },
  '58030': { code: 'DATABASE_UNAVAILABLE', message: 'the database had an I/O error', retryAfterSeconds: 5 },
}

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
    if (CONNECTION_LOST.test(text)) {
      return unavailable('DATABASE_UNAVAILABLE', `lost the connection to ${description}: ${text}`, error)
    }
    return error
  }
  if (networkCodes.has(code) || code.startsWith('08')) {
    return unavailable('DATABASE_UNAVAILABLE', `cannot reach ${description}: ${text || code}`, error)
  }
  if (code === '28P01' || code === '28000') {
    return unavailable('DATABASE_AUTH_FAILED', `${description} refused the login: ${text}`, error)
  }
  if (code === '3D000') {
    return unavailable('DATABASE_NOT_FOUND', `${description}: ${text}`, error)
  }
  const condition = UNAVAILABLE_CONDITIONS[code]
  if (condition) {
    return new UnavailableError(condition.code, `${condition.message}: ${text || code}`, {
      cause: error,
      details: { sqlstate: code, retryAfterSeconds: condition.retryAfterSeconds },
    })
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
