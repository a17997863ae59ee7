import pg from 'pg'
import { translateError } from '../translate-error.js'

/** LISTEN on one connection of its own, shared by every channel and callback. */
export interface NotificationListener {
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

const FIRST_RETRY_MS = 100
const LAST_RETRY_MS = 10_000

/**
 * LISTEN needs a session of its own: a pooled connection goes back to the pool
 * (and, behind a transaction pooler, to other clients) between statements. So
 * one `pg.Client` outside the pool holds every channel; it is opened on the
 * first `listen`, closed when the last callback stops, and reopened (with
 * every channel) when the connection is lost. Notifications sent while it is
 * down are lost: PostgreSQL keeps none for a session that is gone.
 */
export function createNotificationListener(
  url: string,
  description: string,
  options: { connectTimeoutMs?: number } = {},
): NotificationListener {
  const channels = new Map<string, Set<(payload: string) => void>>()
  let client: pg.Client | undefined
  let connecting: Promise<pg.Client> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let retryMs = FIRST_RETRY_MS
  let closed = false

  const open = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, keepAlive: true })
    next.on('notification', ({ channel, payload }) => {
      for (const onPayload of channels.get(channel) ?? []) onPayload(payload ?? '')
    })
    next.on('error', () => lost(next))
    next.on('end', () => lost(next))
    try {
      await next.connect()
      for (const channel of channels.keys()) await next.query(`listen ${next.escapeIdentifier(channel)}`)
    } catch (error) {
      await next.end().catch(() => {})
      throw translateError(error, description)
    }
    return next
  }

  const connected = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client)
    connecting ??= open().then(
      (next) => {
        connecting = undefined
        if (closed || channels.size === 0) {
          void next.end().catch(() => {})
          throw new Error('the listener was closed')
        }
        client = next
        retryMs = FIRST_RETRY_MS
        return next
      },
      (error: unknown) => {
        connecting = undefined
        throw error
      },
    )
    return connecting
  }

  // Called for the current client only; a client ended on purpose is no longer current.
  function lost(which: pg.Client): void {
    if (which !== client) return
    client = undefined
    void which.end().catch(() => {})
    scheduleReconnect()
  }

  function scheduleReconnect(): void {
    if (closed || channels.size === 0 || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      connected().catch(() => {
        retryMs = Math.min(retryMs * 2, LAST_RETRY_MS)
        scheduleReconnect()
      })
    }, retryMs)
    retryTimer.unref()
  }

  const stopChannel = async (channel: string): Promise<void> => {
    channels.delete(channel)
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
      if (closed) throw new Error('the database is closed')
      const callbacks = channels.get(channel) ?? new Set()
      channels.set(channel, callbacks)
      callbacks.add(onPayload)
      try {
        const current = await connected()
        // Also when `open` already listened: it may have read the channels before this one was added.
        await current.query(`listen ${current.escapeIdentifier(channel)}`)
      } catch (error) {
        callbacks.delete(onPayload)
        if (callbacks.size === 0) await stopChannel(channel)
        throw translateError(error, description)
      }
      let stopped = false
      return async () => {
        if (stopped) return
        stopped = true
        callbacks.delete(onPayload)
        if (callbacks.size === 0 && channels.get(channel) === callbacks) await stopChannel(channel)
      }
    },

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
