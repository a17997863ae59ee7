import websocket from '@fastify/websocket'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Tracker } from '../../tracker/tracker.js'
import { StreamConnection, type ConnectionLimits } from './connection.js'
import { createChangeFeed } from './subscriptions.js'
import { watchCredentials } from './credential-watch.js'
import { KEY_CACHE_MS } from '../plugins/auth.js'
import { MAX_BODY_BYTES } from '../../model/limits.js'
import { ForbiddenError } from '../../model/errors.js'

// Same origin: the page was served by this host (the Host header the browser sent).
function originAllowed(origin: string, request: FastifyRequest, allowed: readonly string[]): boolean {
  if (allowed.includes(origin)) return true
  if (!URL.canParse(origin)) return false
  return new URL(origin).host === request.headers.host
}

/** Timers and limits of `GET /v1/stream`. */
export interface StreamOptions extends ConnectionLimits {
  /** The server pings every socket this often and ends those that did not answer the last ping. */
  pingIntervalMs: number
  /** Largest frame a client may send; the socket is closed with 1009 beyond. */
  maxFrameBytes: number
  /**
   * Origins whose pages may open the socket besides the server's own
   * (`PARLEY_ALLOWED_ORIGINS`). An upgrade without `Origin` (a voice server, not a
   * browser) is allowed: the check stops other sites' pages riding a user's credentials.
   */
  allowedOrigins: readonly string[]
  /** Open sockets' keys are re-checked against the database (and JWTs against `exp`) this often. */
  credentialCheckMs: number
}

/** Ping every 30 s, credentials re-checked every 0.5 s (as HTTP's key cache), auth within 5 s, 16 MiB unsent at most, frames up to 4 MiB (the HTTP body limit). */
export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  pingIntervalMs: 30_000,
  authTimeoutMs: 5_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxFrameBytes: MAX_BODY_BYTES,
  maxPendingFrames: 64,
  maxSubscriptions: 100,
  allowedOrigins: [],
  credentialCheckMs: KEY_CACHE_MS,
}

/**
 * `GET /v1/stream`: the WebSocket for voice servers (start, messages, end,
 * each acked once committed) and for live readers (subscribe to a session or
 * a user). Register under the `/v1` prefix.
 *
 * @example
 * await app.register(streamRoutes(tracker, { pingIntervalMs: 10_000 }), { prefix: '/v1' })
 */
export function streamRoutes(tracker: Tracker, options: Partial<StreamOptions> = {}) {
  const settings: StreamOptions = { ...DEFAULT_STREAM_OPTIONS, ...options }
  return async (app: FastifyInstance) => {
    const connections = new Set<StreamConnection>()
    const log = app.log.child({ module: 'stream' })
    const feed = createChangeFeed(tracker.database, log)
    // The HTTP API's authenticator (API keys, and JWTs when configured), decorated by installAuth.
    const authenticate = app.authenticate

    await app.register(websocket, {
      options: { maxPayload: settings.maxFrameBytes },
      // Ending sockets on shutdown is ours: queued frames are refused, the one in hand finishes, then 1001.
      preClose: async function (this: FastifyInstance) {
        await Promise.all([...connections].map((connection) => connection.shutdown()))
        this.websocketServer.close()
      },
      errorHandler: (error, socket, request) => {
        request.log.info({ err: error }, 'stream socket failed')
        socket.terminate()
      },
    })

    const heartbeat = setInterval(() => {
      for (const connection of connections) connection.heartbeat()
    }, settings.pingIntervalMs)
    heartbeat.unref()
    const stopWatch = watchCredentials(connections, tracker.database, log, settings.credentialCheckMs)
    // Listening from the start lets /readyz tell whether live events work before anyone subscribes.
    app.addHook('onReady', async () => {
      feed.start().catch((error: unknown) => log.warn({ err: error }, 'live events are not available yet; the next subscription retries'))
    })
    app.addHook('onClose', async () => {
      clearInterval(heartbeat)
      stopWatch()
      await feed.close()
    })

    app.get(
      '/stream',
      {
        websocket: true,
        // A header that is sent must be valid: refused with 401 before the upgrade.
        preValidation: async (request: FastifyRequest) => {
          const origin = request.headers.origin
          if (origin !== undefined && !originAllowed(origin, request, settings.allowedOrigins)) {
            throw new ForbiddenError('ORIGIN_NOT_ALLOWED', `pages from ${origin} may not open this socket; add the origin to PARLEY_ALLOWED_ORIGINS`, {
              details: { origin },
            })
          }
          const header = request.headers.authorization
          if (header === undefined) return
          request.principal = await authenticate(header.startsWith('Bearer ') ? header.slice(7).trim() : undefined)
        },
      },
      (socket, request) => {
        const connection = new StreamConnection(
          socket,
          { tracker, feed, authenticate, log: request.log, limits: settings },
          request.principal,
        )
        connections.add(connection)
        socket.on('close', (code) => {
          connections.delete(connection)
          request.log.info({ code }, 'stream closed')
        })
      },
    )
  }
}
