import { ValidationError } from '../../model/errors.js'
import { MAX_TIMEOUT_MS } from '../../model/limits.js'
import { validateRedactKinds } from '../../model/redact.js'
import type { RateLimitOptions } from '../../server/plugins/rate-limit.js'
import { serve } from '../../server/server.js'
import { WEBHOOK_SECRET_ENV, type WebhookSecrets } from '../../server/routes/webhooks.js'
import { parseSecretKey, SECRET_KEY_ENV } from '../../tracker/secret-box.js'
import { createCliLogger, type CliContext } from '../cli-context.js'

export interface ServeCommandOptions {
  databaseUrl: string
  directUrl?: string
  host?: string
  port?: string
  migrate?: boolean
  retentionDays?: string
}

/** `parley serve`: flags > env (HOST, PORT, PARLEY_AUTO_MIGRATE, PARLEY_LOCK_TIMEOUT_MS, PARLEY_STATEMENT_TIMEOUT_MS, PARLEY_JWT_*, PARLEY_RATE_LIMIT, PARLEY_REDACT, PARLEY_RETENTION_DAYS, the webhook secrets, PARLEY_SECRET_KEY) > defaults. Runs until a signal stops it. */
export async function serveCommand(options: ServeCommandOptions, context: CliContext): Promise<number> {
  const portText = options.port ?? context.env.PORT ?? '8787'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new ValidationError('port', `must be a whole number from 0 to 65535; got "${portText}"`)
  }
  await serve({
    databaseUrl: options.databaseUrl,
    ...(options.directUrl && { directUrl: options.directUrl }),
    host: options.host ?? context.env.HOST ?? '127.0.0.1',
    port,
    migrate: options.migrate === true || context.env.PARLEY_AUTO_MIGRATE === '1',
    logger: createCliLogger(context),
    ...rateLimitFromEnv(context.env.PARLEY_RATE_LIMIT),
    ...(context.env.PARLEY_REDACT?.trim() && { redact: redactFromEnv(context.env.PARLEY_REDACT) }),
    jwt: {
      ...(context.env.PARLEY_JWT_SECRET && { secret: context.env.PARLEY_JWT_SECRET }),
      ...(context.env.PARLEY_JWKS_URL && { jwksUrl: context.env.PARLEY_JWKS_URL }),
      ...(context.env.PARLEY_JWT_ISSUER && { issuer: context.env.PARLEY_JWT_ISSUER }),
      ...(context.env.PARLEY_JWT_AUDIENCE && { audience: context.env.PARLEY_JWT_AUDIENCE }),
      ...(context.env.PARLEY_JWT_ALLOW_NO_EXP === '1' && { allowNoExp: true }),
    },
    ...(context.env.PARLEY_ALLOWED_ORIGINS && { stream: { allowedOrigins: originsFromEnv(context.env.PARLEY_ALLOWED_ORIGINS) } }),
    webhooks: webhookSecretsFromEnv(context.env),
    // Set but malformed stops the start (a ValidationError naming it); unset leaves stored webhook secrets closed.
    ...(context.env[SECRET_KEY_ENV]?.trim() && { secretKey: parseSecretKey(context.env[SECRET_KEY_ENV]) }),
    ...retentionFrom(options.retentionDays ?? context.env.PARLEY_RETENTION_DAYS),
    ...timeoutFromEnv('lockTimeoutMs', 'PARLEY_LOCK_TIMEOUT_MS', context.env.PARLEY_LOCK_TIMEOUT_MS),
    ...timeoutFromEnv('statementTimeoutMs', 'PARLEY_STATEMENT_TIMEOUT_MS', context.env.PARLEY_STATEMENT_TIMEOUT_MS),
    announce: (line) => context.stderr.write(`${line}\n`),
  })
  return 0
}

/** `PARLEY_ALLOWED_ORIGINS`: comma-separated origins (`https://app.example.com`) whose pages may open the WebSocket. */
export function originsFromEnv(text: string): string[] {
  const origins = text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ValidationError('PARLEY_ALLOWED_ORIGINS', `"${origin}" is not an origin (scheme://host[:port], no path)`)
    }
  }
  return origins
}

/** `PARLEY_RATE_LIMIT`: requests per minute per key, `0` for no limit; unset keeps the server's default. */
export function rateLimitFromEnv(text: string | undefined): { rateLimit?: RateLimitOptions | false } {
  if (text === undefined || text.trim() === '') return {}
  if (!/^\d+$/.test(text.trim())) {
    throw new ValidationError('PARLEY_RATE_LIMIT', `must be a whole number of requests per minute (0: no limit); got "${text}"`)
  }
  const max = Number(text)
  return { rateLimit: max === 0 ? false : { max, timeWindowMs: 60_000 } }
}

/** The platforms' webhook signing secrets, read once: `PARLEY_VAPI_SECRET`, `PARLEY_RETELL_API_KEY`, `PARLEY_ELEVENLABS_WEBHOOK_SECRET`. */
export function webhookSecretsFromEnv(env: Record<string, string | undefined>): WebhookSecrets {
  const secret = (name: string) => {
    const value = env[name]?.trim()
    return value ? value : undefined
  }
  const vapi = secret(WEBHOOK_SECRET_ENV.vapi)
  const retell = secret(WEBHOOK_SECRET_ENV.retell)
  const elevenlabs = secret(WEBHOOK_SECRET_ENV.elevenlabs)
  return { ...(vapi && { vapi }), ...(retell && { retell }), ...(elevenlabs && { elevenlabs }) }
}

/** `--retention-days` / `PARLEY_RETENTION_DAYS`: a positive number of days, or nothing (keep everything). */
export function retentionFrom(text: string | undefined): { retentionDays?: number } {
  if (text === undefined || text === '') return {}
  const days = Number(text)
  if (!Number.isFinite(days) || days <= 0) throw new ValidationError('retention-days', `must be a number of days above 0; got "${text}"`)
  return { retentionDays: days }
}

/** `PARLEY_LOCK_TIMEOUT_MS` / `PARLEY_STATEMENT_TIMEOUT_MS`: whole milliseconds, 0 for no bound; unset keeps the tracker's default. */
export function timeoutFromEnv<Option extends 'lockTimeoutMs' | 'statementTimeoutMs'>(option: Option, name: string, text: string | undefined): Partial<Record<Option, number>> {
  if (text === undefined || text.trim() === '') return {}
  const value = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || value > MAX_TIMEOUT_MS) {
    throw new ValidationError(name, `must be a whole number of milliseconds from 0 (no bound) to ${MAX_TIMEOUT_MS}; got "${text}"`)
  }
  return { [option]: value } as Partial<Record<Option, number>>
}

/** `PARLEY_REDACT=email,phone,card,ip`: the kinds redacted at ingest; an unknown one names the variable. */
export function redactFromEnv(text: string): ReturnType<typeof validateRedactKinds> {
  return validateRedactKinds(text.split(',').map((kind) => kind.trim()).filter(Boolean), 'PARLEY_REDACT')
}
