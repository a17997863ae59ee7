/**
 * Every error Parley throws on purpose is a `ParleyError` with a stable string
 * `code`. Callers catch one of the four subclasses; the server maps each to one
 * HTTP status.
 */
export class ParleyError extends Error {
  readonly code: string
  readonly details: Record<string, unknown>

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = options.details ?? {}
  }
}

/** Bad input: `details.field` names the offending field. Nothing was stored. */
export class ValidationError extends ParleyError {
  constructor(field: string, message: string, code = 'VALIDATION_FAILED') {
    super(code, `${field}: ${message}`, { details: { field } })
  }

  get field(): string {
    return this.details.field as string
  }
}

/** The session (or message) does not exist. */
export class NotFoundError extends ParleyError {}

/** The request contradicts what is stored: an ended session, a reused id. */
export class ConflictError extends ParleyError {}

/** The database cannot be reached, refused the login, or is in the wrong state. */
export class UnavailableError extends ParleyError {}

/** No session has this id (or the caller may not know it has). */
export function sessionNotFound(sessionId: string, hint = ''): NotFoundError {
  return new NotFoundError('SESSION_NOT_FOUND', `session ${sessionId} does not exist${hint}`, { details: { sessionId } })
}
