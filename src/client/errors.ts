// The server's `{"error": {code, message, details}}` rebuilt into the library's
// error classes, plus the errors only a client meets.
import { ConflictError, NotFoundError, ParleyError, UnavailableError, ValidationError } from '../errors.js'

export { ConflictError, NotFoundError, ParleyError, UnavailableError, ValidationError }

/** 401: no key, or a key the server does not accept. */
export class UnauthorizedError extends ParleyError {}

/** 403: the key lacks the scope the route needs. */
export class ForbiddenError extends ParleyError {}

/** 429: over the server's rate limit, still after the client's retries. */
export class RateLimitedError extends ParleyError {}

/** 413 and other refusals of the request as a whole. */
export class RequestRejectedError extends ParleyError {}

/** The client's queue is full (`maxQueueMessages` or `maxQueueBytes`): the message was not queued. */
export class QueueFullError extends ParleyError {}

/** The client was shut down: nothing more is accepted, or the message could not be sent in time. */
export class ClientClosedError extends ParleyError {}

/** The server could not be reached (after the client's retries); `cause` is the fetch error. */
export class NetworkError extends UnavailableError {}

interface WireErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown }
}

/**
 * The typed error for a failed response: the same classes and codes the
 * library throws (`ValidationError` with its `field`, `NotFoundError`…).
 *
 * @example
 * throw errorFromResponse(response.status, await response.json().catch(() => undefined))
 */
export function errorFromResponse(status: number, body: unknown): ParleyError {
  const error = (body as WireErrorBody | undefined)?.error
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`
  const message = typeof error?.message === 'string' ? error.message : `the server answered ${status}`
  const details = error?.details !== null && typeof error?.details === 'object' ? (error.details as Record<string, unknown>) : {}
  if (status === 400) {
    const field = typeof details.field === 'string' ? details.field : 'request'
    const rebuilt = new ValidationError(field, message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message, code)
    Object.assign(rebuilt.details, details)
    return rebuilt
  }
  const options = { details }
  switch (status) {
    case 401:
      return new UnauthorizedError(code, message, options)
    case 403:
      return new ForbiddenError(code, message, options)
    case 404:
      return new NotFoundError(code, message, options)
    case 409:
      return new ConflictError(code, message, options)
    case 429:
      return new RateLimitedError(code, message, options)
    case 503:
      return new UnavailableError(code, message, options)
  }
  if (status >= 400 && status < 500) return new RequestRejectedError(code, message, options)
  return new ParleyError(code, message, options)
}

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  USER_MISMATCH: 403,
  RATE_LIMITED: 429,
  ALREADY_AUTHENTICATED: 409,
  SESSION_ENDED: 409,
  UNIQUE_VIOLATION: 409,
}

/**
 * The typed error for a stream `error` frame, which carries the HTTP API's
 * codes but no status: the status is inferred from the code.
 */
export function errorFromFrame(error: unknown): ParleyError {
  const wire = error as { code?: unknown; details?: { field?: unknown } } | undefined
  const code = typeof wire?.code === 'string' ? wire.code : ''
  const status =
    STATUS_BY_CODE[code] ??
    (typeof wire?.details?.field === 'string' ? 400 : code.endsWith('_NOT_FOUND') ? 404 : code.endsWith('_UNAVAILABLE') ? 503 : 500)
  return errorFromResponse(status, { error })
}
