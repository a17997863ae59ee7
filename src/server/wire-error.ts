import type { FastifyBaseLogger } from 'fastify'
import { ParleyError, RateLimitedError, ValidationError } from '../model/errors.js'
import { fieldToWire } from '../protocol/convert.js'

/** Seconds a client should wait before retrying when the database is down (unless the error suggests its own). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5

const INTERNAL_MESSAGE = 'something went wrong on the server; it has been logged'

/** An error as HTTP responses and stream error frames carry it. */
export interface WireError {
  status: number
  code: string
  message: string
  details: Record<string, unknown>
  /** For `Retry-After`: 429 and 503. */
  retryAfterSeconds?: number
}

/**
 * The one translation of an error for the wire: the status its class stands
 * for, details in snake_case, and for 5xx nothing about internals (the log
 * keeps what failed and where the database lives).
 */
export function wireError(error: unknown, log: FastifyBaseLogger): WireError {
  if (!(error instanceof ParleyError)) {
    log.error({ err: error }, 'request failed')
    return { status: 500, code: 'INTERNAL_ERROR', message: INTERNAL_MESSAGE, details: {} }
  }
  const status = error.status
  if (status >= 500) {
    log.error({ err: error }, 'request failed')
    if (status !== 503) return { status, code: error.code, message: INTERNAL_MESSAGE, details: {} }
    const suggested = Number(error.details.retryAfterSeconds)
    const retryAfterSeconds = Number.isInteger(suggested) && suggested > 0 ? suggested : UNAVAILABLE_RETRY_AFTER_SECONDS
    return {
      status,
      code: error.code,
      message: `the database is unavailable; retry in ${retryAfterSeconds} s`,
      details: { retry_after_seconds: retryAfterSeconds },
      retryAfterSeconds,
    }
  }
  const wire = error instanceof ValidationError ? error.renamed(fieldToWire) : error
  // The library's details are camelCase (sessionId); the wire's are snake_case.
  const details = Object.fromEntries(Object.entries(wire.details).map(([key, value]) => [fieldToWire(key), value]))
  if (wire instanceof ValidationError) details.reason = wire.reason
  if (Array.isArray(details.differing)) details.differing = details.differing.map((field) => fieldToWire(String(field)))
  if (error instanceof RateLimitedError) {
    const retryAfterSeconds = Number(details.retry_after_seconds ?? 1)
    return { status, code: error.code, message: wire.message, details: { ...details, retry_after_seconds: retryAfterSeconds }, retryAfterSeconds }
  }
  return { status, code: error.code, message: wire.message, details }
}
