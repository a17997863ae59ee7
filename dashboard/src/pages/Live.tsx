// An active session's transcript growing as turns commit, with a marker when it ends.
import { useEffect, useState } from 'preact/hooks'
import type { LiveEvent, Message, Session } from '../../../src/client/index.js'
import type { ParleyClient } from '../api.js'
import { Transcript } from '../components/Transcript.js'
import { explain, formatDuration } from '../format.js'
import { allMessages, mergeMessages } from '../messages.js'
import { href } from '../route.js'
import { Facts } from './Session.js'

type Ended = Extract<LiveEvent, { type: 'session.ended' }>

export function LivePage({ client, sessionId }: { client: ParleyClient; sessionId: string }) {
  const [session, setSession] = useState<Session | null>(null)
  const [messages, setMessages] = useState<Message[]>([])
  const [ended, setEnded] = useState<Ended | null>(null)
  const [status, setStatus] = useState<'connecting' | 'live' | 'error'>('connecting')
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let stopped = false
    let stop: (() => Promise<void>) | undefined
    const onEvent = (event: LiveEvent) => {
      if (stopped) return
      if (event.type === 'message.created') {
        setMessages((previous) => mergeMessages(previous, [event.message]))
        return
      }
      if (event.type !== 'session.ended') return
      setEnded(event)
      setSession(
        (previous) =>
          previous && { ...previous, isActive: false, endedAt: event.endedAt, durationSeconds: event.durationSeconds, messageCount: event.messageCount, endedReason: event.endedReason },
      )
    }
    // Subscribe first, then read: a turn committed in between arrives either way, and is kept once.
    ;(async () => {
      try {
        stop = await client.subscribe(sessionId, onEvent)
        const [found, stored] = await Promise.all([client.getSession(sessionId), allMessages(client, sessionId)])
        if (stopped) return
        setSession(found)
        setMessages((previous) => mergeMessages(stored, previous))
        setStatus('live')
      } catch (failure) {
        if (stopped) return
        setError(explain(failure))
        setStatus('error')
      }
    })()
    return () => {
      stopped = true
      stop?.().catch(() => {})
    }
  }, [client, sessionId])

  if (status === 'error') return <p class="error" role="alert">{error} <a href={href(['sessions'])}>Back to the sessions.</a></p>
  if (!session) return <p class="muted" aria-live="polite">Connecting…</p>
  const isOver = ended !== null || !session.isActive
  return (
    <section aria-labelledby="live-title" class="session-page">
      <p><a href={href(['sessions'])}>← Sessions</a> · <a href={href(['sessions', sessionId])}>Session page</a></p>
      <h1 id="live-title">
        Live <span class="mono">{sessionId}</span>{' '}
        <span class={`badge ${isOver ? '' : 'live'}`} data-testid="live-status" aria-live="polite">{isOver ? 'ended' : 'live'}</span>
      </h1>
      {/* Turns seen here may be newer than the count read at load. */}
      <Facts session={{ ...session, messageCount: Math.max(session.messageCount, messages.length) }} />
      {isOver && (
        <p class="ended-marker" role="status" data-testid="ended-marker">
          Session ended{ended?.endedReason ? ` (${ended.endedReason})` : session.endedReason ? ` (${session.endedReason})` : ''}
          {ended ? ` after ${formatDuration(ended.durationSeconds)} · ${ended.messageCount} messages` : ''}
        </p>
      )}
      {messages.length === 0 && !isOver && <p class="empty">Waiting for the first turn…</p>}
      {messages.length > 0 && <Transcript sessionId={sessionId} startedAt={session.startedAt} messages={messages} follow label="Live transcript" />}
      <p class="sr-only" aria-live="polite">{messages.length} turns so far</p>
    </section>
  )
}
