import { ValidationError } from '../../model/errors.js'
import { validateRedactKinds } from '../../model/redact.js'
import type { RateLimitOptions } from '../../server/plugins/rate-limit.js'
import { serve } from '../../server/server.js'
import { createCliLogger, type CliContext } from '../cli-context.js'

export interface ServeCommandOptions {
  databaseUrl: string
  host?: string
  port?: string
  migrate?: boolean
}

/** `parley serve`: flags > env (HOST, PORT, PARLEY_AUTO_MIGRATE, PARLEY_JWT_*, PARLEY_RATE_LIMIT, PARLEY_REDACT) > defaults. Runs until a signal stops it. */
export async function serveCommand(options: ServeCommandOptions, context: CliContext): Promise<number> {
  const portText = options.port ?? context.env.PORT ?? '8787'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new ValidationError('port', `must be a whole number from 0 to 65535; got "${portText}"`)
  }
  await serve({
    databaseUrl: options.databaseUrl,
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
    },
    announce: (line) => context.stderr.write(`${line}\n`),
  })
  return 0
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

/** `PARLEY_REDACT=email,phone,card,ip`: the kinds redacted at ingest; an unknown one names the variable. */
export function redactFromEnv(text: string): ReturnType<typeof validateRedactKinds> {
  return validateRedactKinds(text.split(',').map((kind) => kind.trim()).filter(Boolean), 'PARLEY_REDACT')
}
