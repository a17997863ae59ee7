/**
 * What a failed write means for its messages: `indeterminate` when a request
 * was sent and its answer never came (they may be stored), `not_stored` when
 * the server (or the client, before sending) refused them.
 */
export type MessageOutcome = 'indeterminate' | 'not_stored'

/**
 * Every error Parley throws on purpose is a `ParleyError` with a stable string
 * `code`. Each subclass stands for one HTTP status (`status`), the same in the
 * library, on the server and in the SDK, which rebuilds it with
 * `errorFromWire(status, body)`.
 */
export class ParleyError extends Error {
  /** The HTTP status this kind of error is answered with. */
  static readonly status: number = 500
  readonly code: string
  readonly details: Record<string, unknown>
  /** On a rejection of the SDK's `addMessage(s)`: the ids of the messages it concerns (resend them with these ids). Else empty. */
  declare readonly messageIds: readonly string[]
  /** On a rejection of the SDK's `addMessage(s)` (and on any SDK request that failed): whether they may be stored. */
  declare readonly outcome: MessageOutcome | undefined

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = options.details ?? {}
  }

  /** `status` of the error's class. */
  get status(): number {
    return (this.constructor as typeof ParleyError).status
  }

  /** The same error (same class, code, details and cause), naming the messages it concerns and their outcome. */
  concerning(messageIds: readonly string[], outcome: MessageOutcome): this {
    const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this)) as this
    return Object.defineProperties(copy, {
      messageIds: { value: Object.freeze([...messageIds]), enumerable: true, configurable: true },
      outcome: { value: outcome, enumerable: true, configurable: true },
    })
  }
}
// Read through the prototype, so errors that concern no message carry no own fields for them.
Object.defineProperties(ParleyError.prototype, {
  messageIds: { value: Object.freeze([]) },
  outcome: { value: undefined },
})

/** `error` itself when it is a ParleyError; anything else (a bug, a runtime's own error) as `SEND_FAILED`, with it as `cause`. */
export function asParleyError(error: unknown): ParleyError {
  return error instanceof ParleyError ? error : new ParleyError('SEND_FAILED', String((error as Error | undefined)?.message ?? error), { cause: error })
}

/** Bad input: `field` names the offending field, `reason` says what is wrong with it. Nothing was stored. */
export class ValidationError extends ParleyError {
  static override readonly status: number = 400
  readonly field: string
  readonly reason: string

  constructor(field: string, reason: string, code = 'VALIDATION_FAILED', details: Record<string, unknown> = {}) {
    super(code, `${field}: ${reason}`, { details: { ...details, field } })
    this.field = field
    this.reason = reason
  }

  /** The same error, its field named as `rename` spells it (a wire name, a nested path). */
  renamed(rename: (field: string) => string): ValidationError {
    const field = rename(this.field)
    return new ValidationError(field, this.reason, this.code, { ...this.details, field })
  }
}

/** No credentials, or credentials that are not valid (401). */
export class UnauthorizedError extends ParleyError {
  static override readonly status: number = 401
}

/** Valid credentials without the right to do this (403). */
export class ForbiddenError extends ParleyError {
  static override readonly status: number = 403
}

/** The session (or message, or key) does not exist (404). */
export class NotFoundError extends ParleyError {
  static override readonly status: number = 404
}

/** The request contradicts what is stored: an ended session, a reused id (409). */
export class ConflictError extends ParleyError {
  static override readonly status: number = 409
}

/** The data was erased on purpose (a data subject's request): it is not stored, and will not be (410). */
export class GoneError extends ParleyError {
  static override readonly status: number = 410
}

/** A refusal of the request as a whole: too large, a media type the server does not read (413, 415, other 4xx). */
export class RequestRejectedError extends ParleyError {
  static override readonly status: number = 413
}

/** A request URL longer than the server reads (414): long input belongs in a POST body. */
export class UrlTooLongError extends RequestRejectedError {
  static override readonly status: number = 414
}

/** Over the rate limit (429); `details.retryAfterSeconds` says when to try again. */
export class RateLimitedError extends ParleyError {
  static override readonly status: number = 429
}

/** The database cannot be reached, refused the login, or is in the wrong state; retry later (503). */
export class UnavailableError extends ParleyError {
  static override readonly status: number = 503
}

/** The client's queue is full (`maxQueueMessages` or `maxQueueBytes`): the message was not queued. */
export class QueueFullError extends ParleyError {}

/** The client was shut down: nothing more is accepted, or the message could not be sent in time. */
export class ClientClosedError extends ParleyError {}

/** The server could not be reached (after the client's retries); `cause` is the network error. */
export class NetworkError extends UnavailableError {}

/** The session was erased: writing it again would bring erased data back. */
export function sessionErased(sessionId: string): GoneError {
  return new GoneError('SESSION_ERASED', `session ${sessionId} was erased; it cannot be written again`, { details: { sessionId } })
}

/** No session has this id (or the caller may not know it has). */
export function sessionNotFound(sessionId: string, hint = ''): NotFoundError {
  return new NotFoundError('SESSION_NOT_FOUND', `session ${sessionId} does not exist${hint}`, { details: { sessionId } })
}

// The one table from status to class, read by the SDK and by anything else
// that meets a wire error; the server goes the other way with `error.status`.
const CLASS_BY_STATUS: Record<number, new (code: string, message: string, options: { details: Record<string, unknown> }) => ParleyError> = {
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  410: GoneError,
  429: RateLimitedError,
  503: UnavailableError,
}

/** A wire error body: `{"error": {code, message, details}}`. */
export interface WireErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown }
}

/**
 * The typed error for a failed response or an error frame: the same classes
 * and codes the library throws (`ValidationError` with its `field` and
 * `reason`, `NotFoundError`…).
 *
 * @example
 * throw errorFromWire(response.status, await response.json().catch(() => undefined))
 */
export function errorFromWire(status: number, body: unknown): ParleyError {
  const error = (body as WireErrorBody | undefined)?.error
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`
  const message = typeof error?.message === 'string' ? error.message : `the server answered ${status}`
  const details = error?.details !== null && typeof error?.details === 'object' ? { ...(error.details as Record<string, unknown>) } : {}
  if (status === 400) {
    const field = typeof details.field === 'string' ? details.field : 'request'
    const reason = typeof details.reason === 'string' ? details.reason : message
    return new ValidationError(field, reason, code, details)
  }
  const Class = CLASS_BY_STATUS[status] ?? (status >= 400 && status < 500 ? RequestRejectedError : ParleyError)
  return new Class(code, message, { details })
}
