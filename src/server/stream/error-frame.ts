import type { FastifyBaseLogger } from 'fastify'
import { ParleyError, UnavailableError } from '../../errors.js'
import { fieldToWire } from '../../protocol/convert.js'
import type { ErrorFrame, Ref } from '../../protocol/stream-frames.js'
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../plugins/error-handler.js'

/**
 * The error frame for a failed frame: the HTTP API's code, message and
 * details (field names as the wire spells them). Anything not a ParleyError
 * is logged and described in general terms only.
 */
export function errorFrame(ref: Ref, error: unknown, log: FastifyBaseLogger): ErrorFrame {
  if (!(error instanceof ParleyError)) {
    log.error({ err: error }, 'stream frame failed')
    return frame(ref, 'INTERNAL_ERROR', 'something went wrong on the server; it has been logged', {})
  }
  const details = { ...error.details }
  if (typeof details.field === 'string') details.field = fieldToWire(details.field)
  if (error instanceof UnavailableError) {
    log.error({ err: error }, 'stream frame failed')
    details.retry_after_seconds = UNAVAILABLE_RETRY_AFTER_SECONDS
  }
  const message = typeof details.field === 'string' ? error.message.replace(/^[^:]+:/, `${details.field}:`) : error.message
  return frame(ref, error.code, message, details)
}

function frame(ref: Ref, code: string, message: string, details: Record<string, unknown>): ErrorFrame {
  return { type: 'error', ref, error: { code, message, details } }
}
