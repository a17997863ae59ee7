import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { UnavailableError } from '../model/errors.js'
import { createTracker } from '../tracker/tracker.js'
import { countUsableApiKeys, createApiKey } from '../tracker/api-keys.js'
import { buildApp, type AppOptions } from './app.js'
import { startRetention } from './retention.js'
import { createMetrics } from './plugins/metrics.js'
import type { RateLimitOptions } from './plugins/rate-limit.js'
import type { JwtOptions } from './jwt.js'
import type { WebhookSecrets } from './routes/webhooks.js'
import type { RedactKind } from '../model/redact.js'
import { cancelWaitsWhileClosing, SHUTDOWN_DEADLINE_MS } from './shutdown.js'
import type { SecretKey } from '../tracker/secret-box.js'
import { openActiveWebhookSecrets } from '../tracker/webhook-secrets.js'

export interface ServeOptions {
  databaseUrl: string
  /** A direct or session-mode URL for LISTEN and migrations when `databaseUrl` is a transaction pooler (DIRECT_URL). */
  directUrl?: string
  host: string
  port: number
  /** Apply pending migrations to a PostgreSQL on start (the embedded database always migrates). */
  migrate: boolean
  logger: Logger
  /** Accept end users' JWTs (HS256 secret or JWKS URL). */
  jwt?: JwtOptions
  /** Requests per key per window (default 6000 a minute); `false` turns limiting off. */
  rateLimit?: RateLimitOptions | false
  /** Kinds of personal data replaced in message content before it is stored (`PARLEY_REDACT`). */
  redact?: readonly RedactKind[]
  /** Bounds of every statement on PostgreSQL (`PARLEY_LOCK_TIMEOUT_MS`, `PARLEY_STATEMENT_TIMEOUT_MS`); the tracker's defaults otherwise. */
  lockTimeoutMs?: number
  statementTimeoutMs?: number
  /** Delete ended sessions older than this many days, hourly (one replica at a time). */
  retentionDays?: number
  /** Options of the WebSocket (`allowedOrigins`). */
  stream?: AppOptions['stream']
  /** Signing secrets of the platforms' webhooks. */
  webhooks?: WebhookSecrets
  /** Opens the webhook secrets stored with `parley webhooks add` (PARLEY_SECRET_KEY). */
  secretKey?: SecretKey
  /** Where the one-time admin key and the addresses are printed for a person. */
  announce: (line: string) => void
}

/**
 * Opens the database, builds the app and listens. On SIGTERM/SIGINT it stops
 * accepting, lets requests in flight finish, flushes the write queue and
 * closes the database, so nothing acknowledged is lost; statements that wait
 * on a lock are cancelled meanwhile (and all still running after 5 s), so the
 * process exits 0 within the 10 s deadline and nothing commits after it.
 */
export async function serve(options: ServeOptions): Promise<FastifyInstance> {
  const metrics = createMetrics()
  const tracker = await createTracker({
    database: options.databaseUrl,
    onBatch: metrics.onBatch,
    logger: options.logger.child({ module: 'tracker' }),
    ...(options.migrate && { migrate: true }),
    databaseOptions: {
      ...(options.directUrl && { directUrl: options.directUrl }),
      logger: options.logger.child({ module: 'database' }),
      // The CLI reaches an embedded database this server holds through its socket.
      share: true,
    },
    ...(options.redact && { redact: options.redact }),
    ...(options.lockTimeoutMs !== undefined && { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.statementTimeoutMs !== undefined && { statementTimeoutMs: options.statementTimeoutMs }),
  })
  let app: FastifyInstance | undefined
  try {
    app = await buildApp({
      tracker,
      logger: options.logger,
      metrics,
      ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
      ...(options.jwt && { jwt: options.jwt }),
      ...(options.stream && { stream: options.stream }),
      ...(options.webhooks && { webhooks: options.webhooks }),
      ...(options.secretKey && { secretKey: options.secretKey }),
    })
    app.addHook('onClose', async () => tracker.close())
    await app.listen({ host: options.host, port: options.port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new UnavailableError('PORT_IN_USE', `port ${options.port} on ${options.host} is already in use by another process; stop it, or choose another with --port (or PORT)`)
      }
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'EACCES') {
        throw new UnavailableError('ADDRESS_UNAVAILABLE', `cannot listen on ${options.host}:${options.port} (${error.code}); choose another --host or --port`)
      }
      throw error
    })
    // Only once listening: a key printed for a server that never started would be a lie.
    if ((await countUsableApiKeys(tracker.database)) === 0) {
      // The first start has no way in yet: make one admin key and show it once.
      const { key } = await createApiKey(tracker.database, { scope: 'admin', name: 'first start' })
      options.announce(`No API key existed, so an admin key was created. It is shown only this once:\n\n    ${key}\n`)
    }
    const { unreadable } = await openActiveWebhookSecrets(tracker.database, options.secretKey)
    if (unreadable.length > 0) {
      // The rest of the API works; those platforms' webhooks are refused until the key is given.
      const platforms = [...new Set(unreadable.map((row) => row.platform))].join(', ')
      options.announce(
        `Warning: ${unreadable.length} stored webhook secret(s) (${platforms}) cannot be opened: ${options.secretKey ? 'PARLEY_SECRET_KEY is not the key that sealed them' : 'PARLEY_SECRET_KEY is not set'}; their deliveries are refused.`,
      )
    }
    if (options.retentionDays !== undefined) {
      const stopRetention = startRetention(tracker, { days: options.retentionDays, log: options.logger.child({ module: 'retention' }) })
      app.addHook('preClose', async () => stopRetention())
    }
  } catch (error) {
    await (app ? app.close() : tracker.close()).catch(() => {})
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const base = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
  options.announce(`Parley listens on ${base} (dashboard: ${base}/, API docs: ${base}/docs, OpenAPI: ${base}/openapi.json)`)
  closeWithGrace({ delay: SHUTDOWN_DEADLINE_MS }, async ({ signal, err }) => {
    if (err) options.logger.error({ err }, 'shutting down after an error')
    else options.logger.info({ signal }, 'shutting down')
    const stopCancelling = cancelWaitsWhileClosing(tracker.database, options.logger)
    // Closing ends the connections idle at that moment; one whose request was
    // in flight would stay open for its keep-alive (72 s) once answered.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100)
    try {
      await app.close()
    } finally {
      stopCancelling()
      clearInterval(reaper)
    }
  })
  return app
}
