// Queries on the API keys (parley.api_keys, closed to the API roles).
import { inParleySchema } from '../db/parley-schema.js'

const apiKeys = inParleySchema('api_keys')

const keyColumns = /* sql */ `
  id, prefix, scope, user_id as "userId", name, created_at as "createdAt", revoked_at as "revokedAt"`

export const insertApiKey = /* sql */ `
  insert into ${apiKeys} (prefix, key_hash, scope, user_id, name)
  values ($1, $2, $3, $4::uuid, $5)
  returning ${keyColumns}`

export const selectApiKeyByPrefix = /* sql */ `
  select ${keyColumns}, key_hash as "keyHash" from ${apiKeys} where prefix = $1`

export const listApiKeys = /* sql */ `
  select ${keyColumns} from ${apiKeys} order by created_at, prefix`

export const revokeApiKey = /* sql */ `
  update ${apiKeys} set revoked_at = coalesce(revoked_at, now()) where prefix = $1
  returning ${keyColumns}`

export const countUsableApiKeys = /* sql */ `
  select count(*)::int as n from ${apiKeys} where revoked_at is null`

export const selectUsableKeyPrefixes = /* sql */ `
  select prefix from ${apiKeys} where prefix = any($1::text[]) and revoked_at is null`
