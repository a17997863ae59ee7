import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { UnauthorizedError, ValidationError } from '../../model/errors.js'
import type { Tracker } from '../../tracker/tracker.js'
import type { WebhookAction, WebhookPlatform } from '../webhooks/actions.js'
import { applyWebhook } from '../webhooks/apply.js'
import { elevenLabsAction } from '../webhooks/elevenlabs.js'
import { retellAction } from '../webhooks/retell.js'
import { verifyElevenLabs, verifyRetell, verifyVapi, type Headers, type Verdict } from '../webhooks/signatures.js'
import type { WebhookSecretSource } from '../webhooks/secret-source.js'
import { vapiAction } from '../webhooks/vapi.js'

/** Each platform's signing secret from the environment; stored ones (`parley webhooks add`) are added to it. */
export interface WebhookSecrets {
  /** Vapi: the HMAC credential's secret key, or the server URL secret (`x-vapi-secret`). */
  vapi?: string
  /** Retell signs with the API key that has the webhook badge. */
  retell?: string
  /** ElevenLabs: the workspace webhook's signing secret. */
  elevenlabs?: string
}

/** The environment variable each secret comes from, for messages that say what to set. */
export const WEBHOOK_SECRET_ENV: Record<WebhookPlatform, string> = {
  vapi: 'PARLEY_VAPI_SECRET',
  retell: 'PARLEY_RETELL_API_KEY',
  elevenlabs: 'PARLEY_ELEVENLABS_WEBHOOK_SECRET',
}

interface PlatformRoute {
  verify: (headers: Headers, body: Buffer, secret: string, now?: number) => Verdict
  read: (payload: unknown) => WebhookAction
}

const PLATFORMS: Record<WebhookPlatform, PlatformRoute> = {
  vapi: { verify: verifyVapi, read: vapiAction },
  retell: { verify: verifyRetell, read: retellAction },
  elevenlabs: { verify: verifyElevenLabs, read: elevenLabsAction },
}

/**
 * `POST /v1/webhooks/{vapi,retell,elevenlabs}`: the platform's signature is
 * checked on the raw body before anything is read, against each of the
 * platform's secrets (several may be active while one is rotated); then the
 * delivery is applied (see webhooks/apply.ts) and answered 200, a repeat included.
 */
export function webhookRoutes(tracker: Tracker, secretsFor: WebhookSecretSource, now: () => number = Date.now): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // The signature covers the bytes as sent: keep them, parse only after verifying.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

    for (const platform of Object.keys(PLATFORMS) as WebhookPlatform[]) {
      const { verify, read } = PLATFORMS[platform]
      const schema = {
        summary: `${platform} webhooks`,
        description: `Point ${platform}'s webhooks here (docs/webhooks.md). Verified by the platform's signature, not a key; add the secret with parley webhooks add --platform ${platform} or set ${WEBHOOK_SECRET_ENV[platform]}. A repeat delivery answers 200 with nothing new stored.`,
        tags: ['webhooks'],
      }
      app.post(`/webhooks/${platform}`, { schema }, async (request) => {
        const { secrets, unreadable } = await secretsFor(platform)
        const unopened = unopenedNote(platform, unreadable)
        if (secrets.length === 0) {
          throw new UnauthorizedError(
            'WEBHOOK_NOT_CONFIGURED',
            `no ${platform} webhook secret is set; add one with parley webhooks add --platform ${platform} --secret … or set ${WEBHOOK_SECRET_ENV[platform]}${unopened}`,
          )
        }
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        const verdict = verifyWithAny(secrets, (secret) => verify(request.headers, body, secret, now()))
        if (!verdict.ok) throw new UnauthorizedError('WEBHOOK_SIGNATURE_INVALID', `${verdict.reason}${unopened}`)
        let payload: unknown
        try {
          payload = JSON.parse(body.toString('utf8'))
        } catch (error) {
          throw new ValidationError('body', `is not JSON: ${(error as Error).message}`)
        }
        return { ok: true, ...(await applyWebhook(tracker, platform, read(payload))) }
      })
    }
  }
}

/** Accepted when any of the platform's secrets verifies (several are active while one is rotated). */
function verifyWithAny(secrets: string[], verify: (secret: string) => Verdict): Verdict {
  let verdict: Verdict = { ok: false, reason: 'no secret' }
  for (const secret of secrets) {
    verdict = verify(secret)
    if (verdict.ok) return verdict
  }
  return secrets.length > 1 ? { ok: false, reason: `${verdict.reason} (tried each of the ${secrets.length} secrets)` } : verdict
}

function unopenedNote(platform: WebhookPlatform, unreadable: number): string {
  if (unreadable === 0) return ''
  const what = unreadable === 1 ? `1 stored ${platform} secret` : `${unreadable} stored ${platform} secrets`
  return `; ${what} could not be opened: PARLEY_SECRET_KEY is not set or is not the key that sealed ${unreadable === 1 ? 'it' : 'them'}`
}
