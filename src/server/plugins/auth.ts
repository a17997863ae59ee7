import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Database } from '../../db/database.js'
import { verifyApiKey, type Scope } from '../api-keys.js'
import { ForbiddenError, UnauthorizedError } from '../http-errors.js'

/** Who is calling: a key's scope and, when bound to one, its user. */
export interface Principal {
  scope: Scope
  userId: string | null
  keyPrefix: string
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (health, docs). */
    scope?: Exclude<Scope, 'admin'>
  }
}

// A verified key is trusted for this long without asking the database again;
// a revoked key stops working within it on every server.
const CACHE_MS = 10_000

/** Checks `Authorization: Bearer <key>` on every route that declares a scope. */
export function installAuth(app: FastifyInstance, database: Database): void {
  const cache = new Map<string, { principal: Principal | undefined; until: number }>()

  const principalFor = async (token: string): Promise<Principal | undefined> => {
    const cached = cache.get(token)
    if (cached && cached.until > Date.now()) return cached.principal
    const key = await verifyApiKey(database, token)
    const principal = key && { scope: key.scope, userId: key.userId, keyPrefix: key.prefix }
    if (cache.size > 10_000) cache.clear()
    cache.set(token, { principal, until: Date.now() + CACHE_MS })
    return principal
  }

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const needed = request.routeOptions.config?.scope
    if (!needed) return
    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
    if (!token) throw new UnauthorizedError('UNAUTHORIZED', 'send Authorization: Bearer <key>; create a key with parley keys create')
    const principal = await principalFor(token)
    if (!principal) throw new UnauthorizedError('UNAUTHORIZED', 'the key is not valid or has been revoked')
    if (principal.scope !== 'admin' && principal.scope !== needed) {
      throw new ForbiddenError('FORBIDDEN', `this key has the ${principal.scope} scope; this route needs ${needed} (or admin)`)
    }
    request.principal = principal
  })
}
