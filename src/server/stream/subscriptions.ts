import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/database.js'
import { UnavailableError } from '../../model/errors.js'
import { messageToWire } from '../../protocol/convert.js'
import type { MessageCreatedEvent, SessionEndedEvent, SessionStartedEvent } from '../../protocol/stream-frames.js'
import { messagesByIds } from '../../tracker/session-reads.js'

/** Most message notifications whose rows are read in one query. */
const MAX_MESSAGE_NOTIFICATIONS_PER_READ = 1000

/** The channel the triggers of migrations/0006_change_events.sql notify on. */
export const CHANGE_CHANNEL = 'parley_events'

/** One session, every session of one user, or every session. */
export type Topic = { sessionId: string } | { userId: string } | { all: true }

/** Whoever receives events: a socket. `deliver` must not throw. */
export interface Subscriber {
  deliver(event: MessageCreatedEvent | SessionEndedEvent | SessionStartedEvent): void
}

/** The registry of live subscriptions of one server process, fed by one LISTEN. */
export interface ChangeFeed {
  /** Starts listening now rather than at the first subscription, so the listener's probe runs at start-up. */
  start(): Promise<void>
  /** Resolves once events for `topic` committed from now on will reach `subscriber`. */
  subscribe(subscriber: Subscriber, topic: Topic): Promise<void>
  unsubscribe(subscriber: Subscriber, topic: Topic): void
  close(): Promise<void>
}

// What the triggers send: ids rather than rows, to stay under NOTIFY's 8000 bytes.
type MessageNotification = { type: 'message.created'; session_id: string; user_id: string | null; ids: string[] }
type Notification =
  | MessageNotification
  | {
      type: 'session.ended'
      session_id: string
      user_id: string | null
      ended_at: string
      duration_seconds: number | null
      message_count: number
      ended_reason: string | null
    }
  | { type: 'session.started'; session_id: string; user_id: string | null; started_at: string }

const keyOf = (topic: Topic): string =>
  'sessionId' in topic ? `session:${topic.sessionId.toLowerCase()}` : 'userId' in topic ? `user:${topic.userId.toLowerCase()}` : 'all'

/**
 * Listens on the database (the first subscription starts it) and hands each
 * committed change to the subscribers of its session and of its user. The
 * database is the only source, so writes through any process, or straight
 * into the tables, reach every subscriber. Notifications are handled in the
 * order they were committed; the message rows of consecutive notifications
 * are read in one query, and only when somebody wants them.
 */
export function createChangeFeed(database: Database, log: FastifyBaseLogger): ChangeFeed {
  const topics = new Map<string, Set<Subscriber>>()
  let listening: Promise<() => Promise<void>> | undefined
  let handled: Promise<void> = Promise.resolve()

  const recipientsOf = (sessionId: string, userId: string | null): Set<Subscriber> => {
    const recipients = new Set(topics.get(keyOf({ sessionId })))
    if (userId) for (const subscriber of topics.get(keyOf({ userId })) ?? []) recipients.add(subscriber)
    for (const subscriber of topics.get('all') ?? []) recipients.add(subscriber)
    return recipients
  }

  // The rows of consecutive message notifications, read in one query.
  const deliverMessages = async (notifications: MessageNotification[]): Promise<void> => {
    const ids = notifications.flatMap((notification) => notification.ids)
    const rows = await messagesByIds(database, ids)
    const byId = new Map(rows.map((row) => [row.id, row]))
    const recipients = new Map<string, Set<Subscriber>>()
    // In the notifications' order, which is commit order (seq order is not, across transactions).
    for (const id of ids) {
      const row = byId.get(id)
      if (!row) continue // deleted since
      const key = `${row.sessionId}/${row.userId}`
      if (!recipients.has(key)) recipients.set(key, recipientsOf(row.sessionId, row.userId))
      const event: MessageCreatedEvent = {
        type: 'message.created',
        session_id: row.sessionId,
        message: messageToWire(row),
      }
      for (const subscriber of recipients.get(key)!) subscriber.deliver(event)
    }
  }

  const deliverSessionEvent = (notification: Exclude<Notification, MessageNotification>): void => {
    const recipients = recipientsOf(notification.session_id, notification.user_id)
    if (recipients.size === 0) return
    const event: SessionStartedEvent | SessionEndedEvent =
      notification.type === 'session.started'
        ? {
            type: 'session.started',
            session_id: notification.session_id,
            user_id: notification.user_id,
            started_at: new Date(notification.started_at).toISOString(),
          }
        : {
            type: 'session.ended',
            session_id: notification.session_id,
            user_id: notification.user_id,
            ended_at: new Date(notification.ended_at).toISOString(),
            duration_seconds: notification.duration_seconds ?? 0,
            message_count: notification.message_count,
            ended_reason: notification.ended_reason,
          }
    for (const subscriber of recipients) subscriber.deliver(event)
  }

  /** Notifications in commit order; messages nobody follows are not read. */
  const handle = async (payloads: string[]): Promise<void> => {
    let messages: MessageNotification[] = []
    for (const payload of payloads) {
      const notification = JSON.parse(payload) as Notification
      if (notification.type === 'message.created') {
        if (recipientsOf(notification.session_id, notification.user_id).size > 0) messages.push(notification)
        if (messages.length >= MAX_MESSAGE_NOTIFICATIONS_PER_READ) {
          await deliverMessages(messages)
          messages = []
        }
        continue
      }
      if (messages.length > 0) await deliverMessages(messages)
      messages = []
      deliverSessionEvent(notification)
    }
    if (messages.length > 0) await deliverMessages(messages)
  }

  // Notifications that arrive while earlier ones are being handled wait,
  // and are then handled together.
  let waiting: string[] = []
  const receive = (payload: string): void => {
    waiting.push(payload)
    if (waiting.length > 1) return
    handled = handled
      .then(() => {
        const payloads = waiting
        waiting = []
        return handle(payloads)
      })
      .catch((error: unknown) => log.error({ err: error }, 'change events dropped'))
  }

  const start = (): Promise<() => Promise<void>> => {
    if (listening) return listening
    if (!database.listen) {
      return Promise.reject(
        new UnavailableError('LIVE_UNAVAILABLE', `${database.description} does not deliver change notifications; live events need PostgreSQL or PGlite`),
      )
    }
    const attempt = database.listen(CHANGE_CHANNEL, receive)
    listening = attempt
    // A failed start (database down) is retried by the next subscription.
    attempt.catch(() => {
      if (listening === attempt) listening = undefined
    })
    return attempt
  }

  return {
    async start() {
      await start()
    },

    async subscribe(subscriber, topic) {
      await start()
      if (database.liveEvents?.() === 'unavailable') {
        // Acknowledging a subscription that can never deliver is the silent failure to avoid.
        throw new UnavailableError(
          'LIVE_EVENTS_UNAVAILABLE',
          'live events are unavailable on this server (its LISTEN connection does not receive notifications: behind a transaction pooler, set DIRECT_URL); read with GET /v1/sessions/{id}/messages instead',
        )
      }
      const key = keyOf(topic)
      const subscribers = topics.get(key) ?? new Set()
      topics.set(key, subscribers.add(subscriber))
    },

    unsubscribe(subscriber, topic) {
      const key = keyOf(topic)
      const subscribers = topics.get(key)
      subscribers?.delete(subscriber)
      if (subscribers?.size === 0) topics.delete(key)
    },

    async close() {
      topics.clear()
      const stop = await listening?.catch(() => undefined)
      listening = undefined
      await stop?.()
      await handled
    },
  }
}
