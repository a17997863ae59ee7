import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import { NotFoundError, ValidationError } from '../model/errors.js'
import { isUuid } from '../model/validate.js'
import * as queries from '../queries/api-keys.sql.js'
import { recordAudit } from './lifecycle.js'

export const SCOPES = ['ingest', 'read', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

/** A stored key, without its secret. */
export interface ApiKey {
  id: string
  prefix: string
  scope: Scope
  /** When set, the key reaches only this user's sessions. */
  userId: string | null
  name: string | null
  createdAt: Date
  revokedAt: Date | null
}

const KEY_PATTERN = /^pk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/**
 * Creates a key and returns it with its secret, the only time the secret
 * exists outside the caller: the database keeps its sha256.
 */
export async function createApiKey(
  database: Queryable,
  options: { scope: string; userId?: string | null; name?: string | null; actor?: string },
): Promise<{ key: string; apiKey: ApiKey }> {
  validateKeyOptions(options)
  const prefix = randomBytes(4).toString('hex')
  const key = `pk_${prefix}_${randomBytes(32).toString('base64url')}`
  const { rows } = await database.query<ApiKey>(queries.insertApiKey, [
    prefix,
    hashKey(key),
    options.scope,
    options.userId?.toLowerCase() ?? null,
    options.name ?? null,
  ])
  const apiKey = rows[0]!
  await recordAudit(database, { actor: options.actor ?? 'cli', action: 'key.created', target: `key:pk_${apiKey.prefix}`, details: { scope: apiKey.scope, user_id: apiKey.userId } })
  return { key, apiKey }
}

/** Throws ValidationError unless the scope is known and the user id, if any, is a UUID. */
export function validateKeyOptions(options: { scope: string; userId?: string | null }): void {
  if (!(SCOPES as readonly string[]).includes(options.scope)) {
    throw new ValidationError('scope', `must be one of ${SCOPES.join(', ')}; got "${options.scope}"`)
  }
  if (options.userId && !isUuid(options.userId)) throw new ValidationError('user_id', 'must be a UUID')
}

/** The key a bearer token names, if it exists, matches and is not revoked. */
export async function verifyApiKey(database: Queryable, token: string): Promise<ApiKey | undefined> {
  const match = KEY_PATTERN.exec(token)
  if (!match) return undefined
  const { rows } = await database.query<ApiKey & { keyHash: string }>(queries.selectApiKeyByPrefix, [match[1]])
  const row = rows[0]
  if (!row || row.revokedAt) return undefined
  const given = Buffer.from(hashKey(token), 'hex')
  const stored = Buffer.from(row.keyHash, 'hex')
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined
  const { keyHash: _, ...apiKey } = row
  return apiKey
}

/** Which of these key prefixes still name a key that is not revoked: one query for every open socket's key. */
export async function usableKeyPrefixes(database: Queryable, prefixes: readonly string[]): Promise<Set<string>> {
  if (prefixes.length === 0) return new Set()
  const { rows } = await database.query<{ prefix: string }>(queries.selectUsableKeyPrefixes, [prefixes])
  return new Set(rows.map((row) => row.prefix))
}

export async function listApiKeys(database: Queryable): Promise<ApiKey[]> {
  return (await database.query<ApiKey>(queries.listApiKeys)).rows
}

export async function revokeApiKey(database: Queryable, prefix: string, actor = 'cli'): Promise<ApiKey> {
  const { rows } = await database.query<ApiKey>(queries.revokeApiKey, [prefix.replace(/^pk_/, '')])
  if (!rows[0]) throw new NotFoundError('KEY_NOT_FOUND', `no key has the prefix ${prefix}; see parley keys list`)
  await recordAudit(database, { actor, action: 'key.revoked', target: `key:pk_${rows[0].prefix}` })
  return rows[0]
}

export async function countUsableApiKeys(database: Queryable): Promise<number> {
  return (await database.query<{ n: number }>(queries.countUsableApiKeys)).rows[0]!.n
}
