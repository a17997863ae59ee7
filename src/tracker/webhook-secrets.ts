import { randomUUID } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import { ConflictError, NotFoundError, ValidationError } from '../model/errors.js'
import { WEBHOOK_PLATFORMS, type WebhookPlatform } from '../model/types.js'
import { isUuid } from '../model/validate.js'
import * as queries from '../queries/webhook-secrets.sql.js'
import { recordAudit } from './lifecycle.js'
import type { SecretKey } from './secret-box.js'

/** Longest secret accepted: the platforms' are well under 200 characters. */
export const MAX_WEBHOOK_SECRET_LENGTH = 1024
export const MAX_WEBHOOK_SECRET_NAME_LENGTH = 200

/** A stored webhook signing secret as listed: never the secret. */
export interface WebhookSecret {
  id: string
  platform: WebhookPlatform
  name: string | null
  /** Which PARLEY_SECRET_KEY sealed it (`SecretKey.id`). */
  keyId: string
  createdAt: Date
  revokedAt: Date | null
}

/** The active secrets a key can open, per platform, and those it cannot. */
export interface OpenedWebhookSecrets {
  secrets: Record<WebhookPlatform, string[]>
  /** Active rows that did not open: no key given, another key sealed them, or altered. */
  unreadable: Array<{ id: string; platform: WebhookPlatform; keyId: string }>
}

export interface AddWebhookSecretOptions {
  platform: string
  secret: string
  name?: string | null
  /** Who adds it, for the audit log (default `cli`). */
  actor?: string
}

interface SealedRow {
  id: string
  platform: WebhookPlatform
  sealedSecret: string
  keyId: string
}

// The associated data of a sealed secret: a row's ciphertext opens only as that row.
const sealContext = (id: string, platform: string) => `parley webhook secret ${id} ${platform}`

/** Throws a ValidationError naming `platform`, `secret` or `name`; nothing is read or stored. */
export function validateWebhookSecretOptions(options: { platform: string; secret: string; name?: string | null }): void {
  if (!(WEBHOOK_PLATFORMS as readonly string[]).includes(options.platform)) {
    throw new ValidationError('platform', `must be one of ${WEBHOOK_PLATFORMS.join(', ')}; got "${options.platform.slice(0, 40)}"`)
  }
  if (options.secret.trim() === '') throw new ValidationError('secret', 'must not be empty: give the signing secret the platform shows')
  if (options.secret !== options.secret.trim()) throw new ValidationError('secret', 'has spaces or a line break at an end; copy the secret alone')
  if (options.secret.length > MAX_WEBHOOK_SECRET_LENGTH) throw new ValidationError('secret', `is ${options.secret.length} characters; at most ${MAX_WEBHOOK_SECRET_LENGTH}`)
  if (options.name != null && options.name.length > MAX_WEBHOOK_SECRET_NAME_LENGTH) {
    throw new ValidationError('name', `is ${options.name.length} characters; at most ${MAX_WEBHOOK_SECRET_NAME_LENGTH}`)
  }
}

/**
 * Seals a platform's signing secret with `key` and stores it; servers on the
 * database accept it within a second. Refuses a secret already active for the
 * platform (ConflictError). Audited, without the secret.
 */
export async function addWebhookSecret(database: Queryable, key: SecretKey, options: AddWebhookSecretOptions): Promise<WebhookSecret> {
  validateWebhookSecretOptions(options)
  const platform = options.platform as WebhookPlatform
  const active = (await database.query<SealedRow>(queries.activeWebhookSecrets)).rows.filter((row) => row.platform === platform)
  const same = active.find((row) => key.open(row.sealedSecret, sealContext(row.id, row.platform)) === options.secret)
  if (same) throw new ConflictError('WEBHOOK_SECRET_EXISTS', `this ${platform} secret is already active as ${same.id}; see parley webhooks list`)
  const id = randomUUID()
  const sealed = key.seal(options.secret, sealContext(id, platform))
  const { rows } = await database.query<WebhookSecret>(queries.insertWebhookSecret, [id, platform, options.name ?? null, sealed, key.id])
  const stored = rows[0]!
  await recordAudit(database, { actor: options.actor ?? 'cli', action: 'webhook_secret.added', target: `webhook_secret:${id}`, details: { platform } })
  return stored
}

/** Every stored secret, oldest first, revoked ones included; never the secret. */
export async function listWebhookSecrets(database: Queryable): Promise<WebhookSecret[]> {
  return (await database.query<WebhookSecret>(queries.listWebhookSecrets)).rows
}

/** Throws a ValidationError naming `id` unless it is a UUID. */
export function validateWebhookSecretId(id: string): void {
  if (!isUuid(id)) throw new ValidationError('id', `"${String(id).slice(0, 40)}" is not a secret's id (a UUID, as parley webhooks list shows)`)
}

/**
 * Revokes a secret by id: servers refuse deliveries signed with it within a
 * second. `alreadyRevoked` when it was before (nothing changes). Audited.
 */
export async function revokeWebhookSecret(database: Queryable, id: string, actor = 'cli'): Promise<{ secret: WebhookSecret; alreadyRevoked: boolean }> {
  validateWebhookSecretId(id)
  const revoked = (await database.query<WebhookSecret>(queries.revokeWebhookSecret, [id.toLowerCase()])).rows[0]
  if (revoked) {
    await recordAudit(database, { actor, action: 'webhook_secret.revoked', target: `webhook_secret:${revoked.id}`, details: { platform: revoked.platform } })
    return { secret: revoked, alreadyRevoked: false }
  }
  const existing = (await database.query<WebhookSecret>(queries.selectWebhookSecret, [id.toLowerCase()])).rows[0]
  if (!existing) throw new NotFoundError('WEBHOOK_SECRET_NOT_FOUND', `no webhook secret has the id ${id}; see parley webhooks list`)
  return { secret: existing, alreadyRevoked: true }
}

/** The active secrets opened with `key` (none open without one), for a server to verify with. */
export async function openActiveWebhookSecrets(database: Queryable, key: SecretKey | undefined): Promise<OpenedWebhookSecrets> {
  const rows = (await database.query<SealedRow>(queries.activeWebhookSecrets)).rows
  const opened: OpenedWebhookSecrets = { secrets: { vapi: [], retell: [], elevenlabs: [] }, unreadable: [] }
  for (const row of rows) {
    const secret = key?.open(row.sealedSecret, sealContext(row.id, row.platform))
    if (secret === undefined) opened.unreadable.push({ id: row.id, platform: row.platform, keyId: row.keyId })
    else opened.secrets[row.platform].push(secret)
  }
  return opened
}
