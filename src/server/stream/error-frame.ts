import type { FastifyBaseLogger } from 'fastify'
import type { ErrorFrame, Ref } from '../../protocol/stream-frames.js'
import { wireError } from '../wire-error.js'

/** The error frame for a failed frame: the HTTP API's status, code, message and details. */
export function errorFrame(ref: Ref, error: unknown, log: FastifyBaseLogger): ErrorFrame {
  const { status, code, message, details } = wireError(error, log)
  return { type: 'error', ref, status, error: { code, message, details } }
}
