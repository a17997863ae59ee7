import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { ValidationError } from '../model/errors.js'

/** How bearer JWTs are checked: a shared HS256 secret, or the issuer's JWKS (asymmetric keys). */
export interface JwtOptions {
  secret?: string
  jwksUrl?: string
  issuer?: string
  audience?: string
  /** Accept tokens without `exp` (they never expire); off unless `PARLEY_JWT_ALLOW_NO_EXP=1`. */
  allowNoExp?: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// The algorithms each kind of key may sign with. Listing them is what refuses
// `alg: none` and algorithm confusion (an HS256 token "signed" with a public key).
const SECRET_ALGORITHMS = ['HS256']
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

/** A verified token's user and expiry (epoch ms; none when `exp` may be left out), or why it was refused. */
export type JwtResult = { userId: string; expiresAt: number | undefined } | { refused: string }

/**
 * Builds the verifier for the configured kind of key, or undefined when JWTs
 * are not configured. It checks the signature, `exp`, `nbf`, and the issuer
 * and audience when they are configured; `sub` is the user id, as Supabase
 * Auth issues it.
 */
export function createJwtVerifier(options: JwtOptions): ((token: string) => Promise<JwtResult>) | undefined {
  let key: Uint8Array | JWTVerifyGetKey
  let algorithms: string[]
  if (options.secret) {
    key = new TextEncoder().encode(options.secret)
    algorithms = SECRET_ALGORITHMS
  } else if (options.jwksUrl) {
    if (!URL.canParse(options.jwksUrl)) throw new ValidationError('PARLEY_JWKS_URL', `"${options.jwksUrl}" is not a URL`)
    key = createRemoteJWKSet(new URL(options.jwksUrl))
    algorithms = JWKS_ALGORITHMS
  } else {
    return undefined
  }
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        ...(!options.allowNoExp && { requiredClaims: ['exp'] }),
        ...(options.issuer && { issuer: options.issuer }),
        ...(options.audience && { audience: options.audience }),
      })
      if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return { refused: 'the token’s sub must be a user id (UUID)' }
      return { userId: payload.sub.toLowerCase(), expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined }
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === 'ERR_JWT_EXPIRED') return { refused: 'the token has expired' }
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (error as { claim?: string }).claim === 'exp') {
        return { refused: 'the token has no exp, so it would never expire; issue tokens with exp (or set PARLEY_JWT_ALLOW_NO_EXP=1)' }
      }
      if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') return { refused: 'the signing keys could not be fetched' }
      return { refused: 'the token is not valid' }
    }
  }
}
