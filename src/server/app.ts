import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { MAX_BODY_BYTES } from '../model/limits.js'
import { UrlTooLongError } from '../model/errors.js'

/** Longest request URL (414 beyond): the longest search or filter fits many times over. */
export const MAX_URL_BYTES = 8 * 1024
import type { Tracker } from '../tracker/tracker.js'
import { createAuthenticator, installAuth } from './plugins/auth.js'
import type { JwtOptions } from './jwt.js'
import { installErrorHandler } from './plugins/error-handler.js'
import { installJsonBody } from './plugins/json-body.js'
import { installMetrics, type Metrics } from './plugins/metrics.js'
import { installRateLimit, type RateLimitOptions } from './plugins/rate-limit.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { exportRoutes } from './routes/export.js'
import { healthRoutes } from './routes/health.js'
import { lifecycleRoutes } from './routes/lifecycle.js'
import { schemaReportRoutes } from './routes/schema-report.js'
import { searchRoutes } from './routes/search.js'
import { sessionRoutes } from './routes/sessions.js'
import { statsRoutes } from './routes/stats.js'
import { streamRoutes, type StreamOptions } from './stream/route.js'
import { webhookRoutes, type WebhookSecrets } from './routes/webhooks.js'
import { createWebhookSecretSource } from './webhooks/secret-source.js'
import type { SecretKey } from '../tracker/secret-box.js'

/** Largest request body (4 MiB: 500 messages of ordinary size), answered with 413 beyond. */
export const DEFAULT_BODY_LIMIT = MAX_BODY_BYTES

export interface AppOptions {
  tracker: Tracker
  /** Fastify's logger option: a pino logger, `true`, or `false` (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | boolean
  bodyLimit?: number
  /** Timers and limits of the WebSocket `GET /v1/stream`. */
  stream?: Partial<StreamOptions>
  /** Served on `/metrics`; give the tracker its `onBatch` to count writes. Default: request metrics only. */
  metrics?: Metrics
  /** Requests per key (or IP without one) per window; `false` turns limiting off. Default 6000 a minute. */
  rateLimit?: RateLimitOptions | false
  /** Accept bearer JWTs signed with this secret or by this JWKS; `sub` is the user. */
  jwt?: JwtOptions
  /** Signing secrets of the platforms whose webhooks `/v1/webhooks/<platform>` accepts; a platform without one is refused. */
  webhooks?: WebhookSecrets
  /** Opens the secrets stored with `parley webhooks add` (PARLEY_SECRET_KEY); without it only `webhooks` count. */
  secretKey?: SecretKey
}

/**
 * Builds the HTTP API on a tracker, without listening: `server.ts` listens,
 * tests use `app.inject()`. Closing the app closes nothing it was given.
 *
 * @example
 * const app = await buildApp({ tracker })
 * const response = await app.inject({ method: 'GET', url: '/healthz' })
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { tracker } = options
  const app = Fastify({
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    // Requests are validated as sent: nothing is coerced or silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Node answers what it cannot parse (headers over its 16 KiB) before Fastify sees it: in our error shape, not bare.
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      const [status, code, message] =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'HEADERS_TOO_LARGE', 'the request line and headers are over 16 KiB; send long input in a POST body']
          : [400, 'BAD_REQUEST', 'the request could not be parsed as HTTP']
      const body = JSON.stringify({ error: { code, message, details: {} } })
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        )
      } else {
        socket.destroy()
      }
    },
  })
  // Bodies are JSON only: text/plain would reach the schema as a string and get a misleading 400; it is a 415.
  app.removeContentTypeParser('text/plain')
  installJsonBody(app)

  // One access-log line per request, without headers (keys) or bodies (message text).
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    )
  })

  installErrorHandler(app)
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_BYTES) {
      throw new UrlTooLongError('URI_TOO_LONG', `the URL is over ${MAX_URL_BYTES} bytes; send long input in a POST body`)
    }
  })
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley', version: '1', description: 'Conversation tracking for voice and chat assistants' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  installAuth(app, createAuthenticator(tracker.database, options.jwt))
  installMetrics(app, tracker.database, options.metrics)
  await installRateLimit(app, options.rateLimit)

  await app.register(
    healthRoutes(tracker.database, { failingForMs: () => tracker.writeFailingForMs(), lockTimeoutMs: tracker.lockTimeoutMs }),
  )
  await app.register(sessionRoutes(tracker), { prefix: '/v1' })
  await app.register(exportRoutes(tracker), { prefix: '/v1' })
  await app.register(searchRoutes(tracker), { prefix: '/v1' })
  await app.register(statsRoutes(tracker), { prefix: '/v1' })
  await app.register(schemaReportRoutes(tracker), { prefix: '/v1' })
  await app.register(lifecycleRoutes(tracker), { prefix: '/v1' })
  await app.register(streamRoutes(tracker, options.stream), { prefix: '/v1' })
  const webhookSecrets = createWebhookSecretSource(tracker.database, {
    env: options.webhooks ?? {},
    ...(options.secretKey && { key: options.secretKey }),
    onUnreadable: (row) =>
      app.log.warn({ id: row.id, platform: row.platform, keyId: row.keyId }, 'a stored webhook secret cannot be opened: PARLEY_SECRET_KEY is not set or is not the key that sealed it'),
  })
  await app.register(webhookRoutes(tracker, webhookSecrets), { prefix: '/v1' })
  await app.register(dashboardRoutes())
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  return app
}
