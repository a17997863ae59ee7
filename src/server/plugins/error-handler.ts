import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import {
  ConflictError,
  NotFoundError,
  ParleyError,
  UnavailableError,
  ValidationError,
} from '../../errors.js'
import { fieldToWire } from '../../protocol/convert.js'
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../http-errors.js'

/** Seconds a client should wait before retrying when the database is down. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5

const INTERNAL_MESSAGE = 'something went wrong on the server; it has been logged'

const statusOf: Array<[new (...args: never[]) => ParleyError, number]> = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [RateLimitedError, 429],
  [UnavailableError, 503],
]

// Fastify's own errors for what a client sent.
const fastifyCodes: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'INVALID_CONTENT_LENGTH'],
}

/**
 * Every error leaves as `{"error": {"code", "message", "details"}}` with the
 * status its class stands for. 5xx bodies say nothing about internals; the
 * log has the error.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ParleyError, request, reply) => {
    if (error instanceof ParleyError) {
      const status = statusOf.find(([type]) => error instanceof type)?.[1] ?? 500
      if (status === 503) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
      if (status === 401) reply.header('www-authenticate', 'Bearer')
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.details.retryAfterSeconds ?? 1))
      if (status >= 500) {
        // What failed and where the database lives stay in the log.
        request.log.error({ err: error }, 'request failed')
        const message = status === 503 ? `the database is unavailable; retry in ${UNAVAILABLE_RETRY_AFTER_SECONDS} s` : INTERNAL_MESSAGE
        return send(reply, status, error.code, message, {})
      }
      // The library's details are camelCase (sessionId); the wire's are snake_case.
      const details = Object.fromEntries(Object.entries(error.details).map(([key, value]) => [fieldToWire(key), value]))
      if (typeof details.field === 'string') details.field = fieldToWire(details.field)
      if (error instanceof RateLimitedError) details.retry_after_seconds ??= 1
      const message = typeof details.field === 'string' ? error.message.replace(/^[^:]+:/, `${details.field}:`) : error.message
      return send(reply, status, error.code, message, details)
    }
    const fastifyError = error as FastifyError
    if (fastifyError.validation) {
      const first = fastifyError.validation[0]
      const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')
      const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] }
      const leaf = params.missingProperty ?? params.additionalProperty
      const field = [path, leaf].filter(Boolean).join('.') || fastifyError.validationContext || 'body'
      const allowed = params.allowedValues ? ` (${params.allowedValues.join(', ')})` : ''
      const why = params.additionalProperty ? 'is not a known field' : `${first?.message ?? 'is invalid'}${allowed}`
      return send(reply, 400, 'VALIDATION_FAILED', `${field}: ${why}`, { field, in: fastifyError.validationContext })
    }
    const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined
    if (known) return send(reply, known[0], known[1], fastifyError.message, {})
    if (fastifyError instanceof SyntaxError || (fastifyError.statusCode === 400 && /JSON/i.test(fastifyError.message))) {
      return send(reply, 400, 'INVALID_JSON', `the body is not valid JSON: ${fastifyError.message}`, {})
    }
    const status = fastifyError.statusCode ?? 500
    if (status < 500) return send(reply, status, fastifyError.code ?? 'BAD_REQUEST', fastifyError.message, {})
    request.log.error({ err: error }, 'request failed')
    return send(reply, 500, 'INTERNAL_ERROR', INTERNAL_MESSAGE, {})
  })

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`, {}),
  )
}

function send(reply: FastifyReply, status: number, code: string, message: string, details: Record<string, unknown>) {
  return reply.status(status).send({ error: { code, message, details } })
}
