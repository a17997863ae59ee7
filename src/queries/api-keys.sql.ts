// Queries on parley_api_keys.

const keyColumns = /* sql */ `
  id, prefix, scope, user_id as "userId", name, created_at as "createdAt", revoked_at as "revokedAt"`

export const insertApiKey = /* sql */ `
  insert into parley_api_keys (prefix, key_hash, scope, user_id, name)
  values ($1, $2, $3, $4::uuid, $5)
  returning ${keyColumns}`

export const selectApiKeyByPrefix = /* sql */ `
  select ${keyColumns}, key_hash as "keyHash" from parley_api_keys where prefix = $1`

export const listApiKeys = /* sql */ `
  select ${keyColumns} from parley_api_keys order by created_at, prefix`

export const revokeApiKey = /* sql */ `
  update parley_api_keys set revoked_at = coalesce(revoked_at, now()) where prefix = $1
  returning ${keyColumns}`

export const countUsableApiKeys = /* sql */ `
  select count(*)::int as n from parley_api_keys where revoked_at is null`
