import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { UnavailableError } from '../../model/errors.js'
import { silentLogger, type Logger } from '../../logger.js'
import type { LiveEventsState } from '../database.js'
import { translateError } from '../translate-error.js'

/** LISTEN on one connection of its own, shared by every channel and callback. */
export interface NotificationListener {
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  /** Whether notifications arrive: `ok` once the probe came back, `unavailable` while it does not. */
  state(): LiveEventsState
  close(): Promise<void>
}

/** How the listener reaches the database and proves that it hears what the pool sends. */
export interface NotificationListenerOptions {
  /** The URL the LISTEN connection opens: DIRECT_URL when set, else the pool's. */
  url: string
  description: string
  /** Sends `NOTIFY channel, payload` through the pool that every other writer uses. */
  notifyThroughPool: (channel: string, payload: string) => Promise<void>
  /** Whether `url` is a DIRECT_URL of its own (changes the advice in the error). */
  direct?: boolean
  connectTimeoutMs?: number
  /** How long the probe may take before live events are declared unavailable (default 3 s). */
  probeTimeoutMs?: number
  logger?: Logger
}

const FIRST_RETRY_MS = 100
const LAST_RETRY_MS = 10_000
const FIRST_PROBE_RETRY_MS = 1_000
const LAST_PROBE_RETRY_MS = 30_000

/**
 * LISTEN needs a session of its own: a pooled connection goes back to the pool
 * (and, behind a transaction pooler, to other clients) between statements. So
 * one `pg.Client` outside the pool holds every channel; it is opened on the
 * first `listen`, closed when the last callback stops, and reopened (with
 * every channel) when the connection is lost. Notifications sent while it is
 * down are lost: PostgreSQL keeps none for a session that is gone.
 *
 * Each new connection first proves itself: it listens on a random probe
 * channel and sends itself a NOTIFY through the pool. Behind a transaction
 * pooler the probe never comes back; the connection then `UNLISTEN *`s and is
 * dropped before it ever listened on a real channel, so the pooler cannot
 * hand Parley's events to another of its clients.
 */
export function createNotificationListener(options: NotificationListenerOptions): NotificationListener {
  const { url, description } = options
  const log = options.logger ?? silentLogger
  const probeTimeoutMs = options.probeTimeoutMs ?? 3_000
  const channels = new Map<string, Set<(payload: string) => void>>()
  let client: pg.Client | undefined
  let connecting: Promise<pg.Client> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let retryMs = FIRST_RETRY_MS
  let closed = false
  let state: LiveEventsState = 'idle'
  let reported = false

  const probe = async (next: pg.Client): Promise<boolean> => {
    const channel = `parley_probe_${randomBytes(8).toString('hex')}`
    const token = randomBytes(8).toString('hex')
    let heard: () => void = () => {}
    const arrived = new Promise<void>((resolve) => (heard = resolve))
    const onNotification = (message: pg.Notification) => {
      if (message.channel === channel && message.payload === token) heard()
    }
    next.on('notification', onNotification)
    let timer: NodeJS.Timeout | undefined
    try {
      await next.query(`listen ${next.escapeIdentifier(channel)}`)
      await options.notifyThroughPool(channel, token)
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), probeTimeoutMs)))
      return await Promise.race([arrived.then(() => true), timedOut])
    } finally {
      clearTimeout(timer)
      next.off('notification', onNotification)
    }
  }

  const open = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, keepAlive: true })
    next.on('notification', ({ channel, payload }) => {
      for (const onPayload of channels.get(channel) ?? []) onPayload(payload ?? '')
    })
    next.on('error', () => lost(next))
    next.on('end', () => lost(next))
    try {
      await next.connect()
      if (!(await probe(next))) {
        await next.query('unlisten *').catch(() => {})
        throw probeFailed()
      }
      await next.query('unlisten *')
      for (const channel of channels.keys()) await next.query(`listen ${next.escapeIdentifier(channel)}`)
    } catch (error) {
      await next.end().catch(() => {})
      throw translateError(error, description)
    }
    return next
  }

  const probeFailed = (): UnavailableError => {
    const advice = options.direct
      ? 'make DIRECT_URL a direct or session-mode connection to the same database'
      : 'set DIRECT_URL (or --direct-url) to a direct or session-mode connection for LISTEN'
    return new UnavailableError(
      'LIVE_EVENTS_UNAVAILABLE',
      `live events are unavailable: a NOTIFY sent through the pool did not reach the LISTEN connection (${description}) within ${probeTimeoutMs} ms, as happens behind a transaction pooler (PgBouncer in transaction mode, Supabase's port 6543); ${advice}. Writes and reads still work; retrying in the background`,
    )
  }

  const connected = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client)
    if (state === 'idle') state = 'starting'
    connecting ??= open().then(
      (next) => {
        connecting = undefined
        if (closed || channels.size === 0) {
          void next.end().catch(() => {})
          throw new UnavailableError('DATABASE_CLOSED', `${description}: the listener was closed`)
        }
        client = next
        retryMs = FIRST_RETRY_MS
        if (state === 'unavailable' && reported) log.info({ database: description }, 'live events work again: the probe NOTIFY came back')
        state = 'ok'
        reported = false
        return next
      },
      (error: unknown) => {
        connecting = undefined
        if (error instanceof UnavailableError && error.code === 'LIVE_EVENTS_UNAVAILABLE') {
          state = 'unavailable'
          // One line per outage, not one per retry.
          if (!reported) log.error({ database: description, code: error.code }, error.message)
          reported = true
          retryMs = Math.min(Math.max(retryMs * 2, FIRST_PROBE_RETRY_MS), LAST_PROBE_RETRY_MS)
          scheduleReconnect()
        } else if (state !== 'ok') {
          state = 'unavailable'
        }
        throw error
      },
    )
    return connecting
  }

  // Called for the current client only; a client ended on purpose is no longer current.
  function lost(which: pg.Client): void {
    if (which !== client) return
    client = undefined
    state = 'starting'
    void which.end().catch(() => {})
    scheduleReconnect()
  }

  function scheduleReconnect(): void {
    if (closed || channels.size === 0 || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      connected().catch((error: unknown) => {
        // A failed probe has already scheduled the next attempt with its own backoff.
        if (error instanceof UnavailableError && error.code === 'LIVE_EVENTS_UNAVAILABLE') return
        state = 'unavailable'
        retryMs = Math.min(retryMs * 2, LAST_RETRY_MS)
        scheduleReconnect()
      })
    }, retryMs)
    retryTimer.unref()
  }

  const stopChannel = async (channel: string): Promise<void> => {
    channels.delete(channel)
    if (channels.size === 0) {
      clearTimeout(retryTimer)
      retryTimer = undefined
      state = 'idle'
    }
    const current = client
    if (!current) return
    if (channels.size === 0) {
      client = undefined
      await current.end().catch(() => {})
    } else {
      await current.query(`unlisten ${current.escapeIdentifier(channel)}`).catch(() => {})
    }
  }

  return {
    async listen(channel, onPayload) {
      if (closed) throw new UnavailableError('DATABASE_CLOSED', `${description} is closed`)
      const callbacks = channels.get(channel) ?? new Set()
      channels.set(channel, callbacks)
      callbacks.add(onPayload)
      try {
        const current = await connected()
        // Also when `open` already listened: it may have read the channels before this one was added.
        await current.query(`listen ${current.escapeIdentifier(channel)}`)
      } catch (error) {
        // Behind a transaction pooler the channel stays registered: the retries may yet succeed.
        if (!(error instanceof UnavailableError && error.code === 'LIVE_EVENTS_UNAVAILABLE')) {
          callbacks.delete(onPayload)
          if (callbacks.size === 0) await stopChannel(channel)
          throw translateError(error, description)
        }
      }
      let stopped = false
      return async () => {
        if (stopped) return
        stopped = true
        callbacks.delete(onPayload)
        if (callbacks.size === 0 && channels.get(channel) === callbacks) await stopChannel(channel)
      }
    },

    state: () => state,

    async close() {
      closed = true
      clearTimeout(retryTimer)
      channels.clear()
      const current = client ?? (await connecting?.catch(() => undefined))
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}
