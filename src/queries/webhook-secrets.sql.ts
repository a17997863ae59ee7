// Queries on the webhook signing secrets (parley.webhook_secrets, closed to the API roles).
import { inParleySchema } from '../db/parley-schema.js'

const webhookSecrets = inParleySchema('webhook_secrets')

const listedColumns = /* sql */ `
  id, platform, name, key_id as "keyId", created_at as "createdAt", revoked_at as "revokedAt"`

export const insertWebhookSecret = /* sql */ `
  insert into ${webhookSecrets} (id, platform, name, sealed_secret, key_id)
  values ($1, $2, $3, $4, $5)
  returning ${listedColumns}`

export const listWebhookSecrets = /* sql */ `
  select ${listedColumns} from ${webhookSecrets} order by created_at, id`

/** The active secrets, sealed: what a server opens and keeps for a moment. */
export const activeWebhookSecrets = /* sql */ `
  select id, platform, sealed_secret as "sealedSecret", key_id as "keyId" from ${webhookSecrets}
  where revoked_at is null order by created_at, id`

export const selectWebhookSecret = /* sql */ `
  select ${listedColumns} from ${webhookSecrets} where id = $1`

export const revokeWebhookSecret = /* sql */ `
  update ${webhookSecrets} set revoked_at = now() where id = $1 and revoked_at is null
  returning ${listedColumns}`
