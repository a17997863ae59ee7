import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { ParleyError } from '../../model/errors.js'
import { schemaValidationError, type SchemaError } from '../schema-error.js'
import { wireError } from '../wire-error.js'

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
    const fastifyError = error as FastifyError
    const translated = fastifyError.validation
      ? schemaValidationError(fastifyError.validation as SchemaError[], fastifyError.validationContext ?? 'body', fastifyError.validationContext)
      : error
    if (translated instanceof ParleyError) {
      const wire = wireError(translated, request.log)
      if (wire.retryAfterSeconds !== undefined) reply.header('retry-after', String(wire.retryAfterSeconds))
      if (wire.status === 401) reply.header('www-authenticate', 'Bearer')
      return send(reply, wire.status, wire.code, wire.message, wire.details)
    }
    const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined
    if (known?.[0] === 415) {
      const sent = request.headers['content-type']
      const got = sent ? `got content-type: ${sent}` : 'no content-type header was sent'
      return send(reply, 415, known[1], `send the body as JSON with content-type: application/json (${got})`, {})
    }
    if (known) return send(reply, known[0], known[1], fastifyError.message, {})
    if (fastifyError instanceof SyntaxError || (fastifyError.statusCode === 400 && /JSON/i.test(fastifyError.message))) {
      return send(reply, 400, 'INVALID_JSON', `the body is not valid JSON: ${fastifyError.message}`, {})
    }
    const status = fastifyError.statusCode ?? 500
    if (status < 500) return send(reply, status, fastifyError.code ?? 'BAD_REQUEST', fastifyError.message, {})
    const wire = wireError(error, request.log)
    return send(reply, wire.status, wire.code, wire.message, wire.details)
  })

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`, {}),
  )
}

function send(reply: FastifyReply, status: number, code: string, message: string, details: Record<string, unknown>) {
  return reply.status(status).send({ error: { code, message, details } })
}
