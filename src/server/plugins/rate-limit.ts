import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RateLimitedError } from '../../model/errors.js'

/** At most `max` requests per `timeWindowMs` for one key (or one IP without a key). */
export interface RateLimitOptions {
  max: number
  timeWindowMs: number
}

/** Generous: a busy voice server's key posting a message every 10 ms stays under it. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 6000, timeWindowMs: 60_000 }

/** Probes and scrapes are never limited: a limited health check would take a healthy server out. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz', '/metrics'])

/**
 * Limits requests per API key (JWT callers: per user), and per IP for routes
 * that need no key. Counts are kept in this process's memory, so with several
 * replicas each allows `max`. Over the limit: 429 `RATE_LIMITED` with
 * `Retry-After`. Must be installed after `installAuth` and before the routes.
 */
export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions | false = DEFAULT_RATE_LIMIT): Promise<void> {
  if (options === false) return
  await app.register(rateLimit, {
    max: options.max,
    timeWindow: options.timeWindowMs,
    // Added to each route's own onRequest hooks, which run after the app's
    // (authentication), so the key is known here; a bad key is a 401 first.
    hook: 'onRequest',
    keyGenerator: (request: FastifyRequest) => (request.principal ? `key:${request.principal.keyPrefix}` : `ip:${request.ip}`),
    allowList: (request: FastifyRequest) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000))
      return new RateLimitedError('RATE_LIMITED', `too many requests for this key; retry in ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds },
      })
    },
  })
}
