import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Tracker } from '../tracker/tracker.js'
import { installAuth } from './plugins/auth.js'
import { installErrorHandler } from './plugins/error-handler.js'
import { healthRoutes } from './routes/health.js'
import { sessionRoutes } from './routes/sessions.js'

/** Largest request body (4 MiB: 500 messages of ordinary size), answered with 413 beyond. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024

export interface AppOptions {
  tracker: Tracker
  /** Fastify's logger option: a pino logger, `true`, or `false` (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | boolean
  bodyLimit?: number
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
  })

  // One access-log line per request, without headers (keys) or bodies (message text).
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    )
  })

  installErrorHandler(app)
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley', version: '1', description: 'Conversation tracking for voice and chat assistants' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  installAuth(app, tracker.database)

  await app.register(healthRoutes(tracker.database))
  await app.register(sessionRoutes(tracker), { prefix: '/v1' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  return app
}
