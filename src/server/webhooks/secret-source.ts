import type { Queryable } from '../../db/database.js'
import type { WebhookPlatform } from '../../model/types.js'
import type { SecretKey } from '../../tracker/secret-box.js'
import { openActiveWebhookSecrets, type OpenedWebhookSecrets } from '../../tracker/webhook-secrets.js'

// The stored secrets are read again after this long, only while deliveries
// arrive: a secret added or revoked with `parley webhooks` takes effect
// within it on every server (as API keys do, KEY_CACHE_MS).
export const WEBHOOK_SECRET_CACHE_MS = 500

/** What a platform's deliveries may be signed with now. */
export interface PlatformSecrets {
  /** The environment's secret first, then the stored ones, oldest first. */
  secrets: string[]
  /** Stored active secrets of the platform that could not be opened (PARLEY_SECRET_KEY missing or another). */
  unreadable: number
}

export type WebhookSecretSource = (platform: WebhookPlatform) => Promise<PlatformSecrets>

/**
 * Secrets from the environment (fixed for the process) and from
 * parley.webhook_secrets (opened with `key`, cached for WEBHOOK_SECRET_CACHE_MS).
 * `onUnreadable` hears of each stored secret that does not open, once.
 */
export function createWebhookSecretSource(
  database: Queryable,
  options: { env: Partial<Record<WebhookPlatform, string>>; key?: SecretKey; onUnreadable?: (row: OpenedWebhookSecrets['unreadable'][number]) => void },
): WebhookSecretSource {
  let cached: { opened: OpenedWebhookSecrets; until: number } | undefined
  let loading: Promise<OpenedWebhookSecrets> | undefined
  const reported = new Set<string>()

  const load = async (): Promise<OpenedWebhookSecrets> => {
    if (cached && cached.until > Date.now()) return cached.opened
    // Concurrent deliveries share one read.
    loading ??= openActiveWebhookSecrets(database, options.key)
      .then((opened) => {
        cached = { opened, until: Date.now() + WEBHOOK_SECRET_CACHE_MS }
        for (const row of opened.unreadable) {
          if (!reported.has(row.id)) options.onUnreadable?.(row)
          reported.add(row.id)
        }
        return opened
      })
      .finally(() => {
        loading = undefined
      })
    return loading
  }

  return async (platform) => {
    const opened = await load()
    const fromEnv = options.env[platform]
    return {
      secrets: [...(fromEnv ? [fromEnv] : []), ...opened.secrets[platform]],
      unreadable: opened.unreadable.filter((row) => row.platform === platform).length,
    }
  }
}
