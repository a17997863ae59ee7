import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Database } from '../../db/database.js'
import { verifyApiKey, type Scope } from '../../tracker/api-keys.js'
import { ForbiddenError, UnauthorizedError } from '../../model/errors.js'
import { createJwtVerifier, type JwtOptions } from '../jwt.js'

/**
 * Who is calling: a key's scope and, when bound to one, its user. An end
 * user signed in with a JWT has the `user` scope: reads and writes, of its
 * own sessions only.
 */
export interface Principal {
  scope: Scope | 'user'
  userId: string | null
  /** The key's prefix, or `jwt:<user id>`: what rate limits and logs go by. */
  keyPrefix: string
  /** How the caller signed in: open sockets re-check an API key (by `keyPrefix`) and end at a JWT's `exp`. */
  credential: { kind: 'key' } | { kind: 'jwt'; expiresAt: number | undefined }
}

/** Turns a bearer token into a principal, or throws UnauthorizedError. */
export type Authenticate = (token: string | undefined) => Promise<Principal>

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyInstance {
    authenticate: Authenticate
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (health, docs). `admin` routes take admin keys only. */
    scope?: Scope
  }
}

// A verified key is trusted for this long without asking the database again;
// a revoked key stops working within it on every server (the issue asks for
// revocation within one second; one lookup per key per half second is cheap).
export const KEY_CACHE_MS = 500

/** API keys (`pk_…`) always; JWTs when a secret or JWKS URL is configured. */
export function createAuthenticator(database: Database, jwt: JwtOptions = {}): Authenticate {
  const cache = new Map<string, { principal: Principal | undefined; until: number }>()
  const verifyJwt = createJwtVerifier(jwt)

  const keyPrincipal = async (token: string): Promise<Principal | undefined> => {
    const cached = cache.get(token)
    if (cached && cached.until > Date.now()) return cached.principal
    const key = await verifyApiKey(database, token)
    const principal: Principal | undefined = key && {
      scope: key.scope,
      userId: key.userId,
      keyPrefix: key.prefix,
      credential: { kind: 'key' },
    }
    if (cache.size > 10_000) cache.clear()
    cache.set(token, { principal, until: Date.now() + KEY_CACHE_MS })
    return principal
  }

  return async (token) => {
    if (!token) throw new UnauthorizedError('UNAUTHORIZED', 'send Authorization: Bearer <key>; create a key with parley keys create')
    if (token.startsWith('pk_') || !verifyJwt) {
      const principal = await keyPrincipal(token)
      if (!principal) throw new UnauthorizedError('UNAUTHORIZED', 'the key is not valid or has been revoked')
      return principal
    }
    const result = await verifyJwt(token)
    if ('refused' in result) throw new UnauthorizedError('UNAUTHORIZED', result.refused)
    return { scope: 'user', userId: result.userId, keyPrefix: `jwt:${result.userId}`, credential: { kind: 'jwt', expiresAt: result.expiresAt } }
  }
}

/** Throws ForbiddenError unless the principal may use a route that needs `needed`. */
export function assertScope(principal: Principal, needed: Scope): void {
  if (principal.scope === 'admin' || principal.scope === needed) return
  if (principal.scope === 'user' && needed !== 'admin') return
  throw new ForbiddenError('FORBIDDEN', `this key has the ${principal.scope} scope; this route needs ${needed} (or admin)`)
}

/** Checks `Authorization: Bearer <token>` on every route that declares a scope. */
export function installAuth(app: FastifyInstance, authenticate: Authenticate): void {
  app.decorate('authenticate', authenticate)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const needed = request.routeOptions.config?.scope
    if (!needed) return
    const header = request.headers.authorization
    const principal = await authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined)
    assertScope(principal, needed)
    request.principal = principal
  })
}
