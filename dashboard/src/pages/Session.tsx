// One session: its facts, export buttons, and the transcript with audio.
import { useState } from 'preact/hooks'
import type { Session } from '../../../src/client/index.js'
import { EXPORT_FORMATS, type ParleyClient } from '../api.js'
import { playbackError } from '../components/playback-error.js'
import { Transcript } from '../components/Transcript.js'
import { explain, formatDuration, formatTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { allMessages } from '../messages.js'
import { href } from '../route.js'

export function SessionPage({ client, sessionId, turn }: { client: ParleyClient; sessionId: string; turn: string | null }) {
  const loaded = useLoad(async () => {
    const [session, messages] = await Promise.all([client.getSession(sessionId), allMessages(client, sessionId)])
    return { session, messages }
  }, [client, sessionId])

  if (loaded.state === 'loading') return <p class="muted" aria-live="polite">Loading the session…</p>
  if (loaded.state === 'error') return <p class="error" role="alert">{loaded.error} <a href={href(['sessions'])}>Back to the sessions.</a></p>
  const { session, messages } = loaded.value
  return (
    <section aria-labelledby="session-title" class="session-page">
      <p><a href={href(['sessions'])}>← Sessions</a></p>
      <h1 id="session-title">Session <span class="mono">{session.sessionId}</span></h1>
      <Facts session={session} />
      {session.isActive && <p><a class="badge live" href={href(['live', session.sessionId])}>Active — watch it live</a></p>}
      <Recording session={session} />
      <Exports client={client} session={session} />
      {messages.length === 0 ? (
        <p class="empty">This session has no messages yet.{session.isActive ? ' Watch it live to see turns as they arrive.' : ''}</p>
      ) : (
        <Transcript sessionId={session.sessionId} startedAt={session.startedAt} messages={messages} focusId={turn} label="Transcript" />
      )}
    </section>
  )
}

/** The call's recording (`metadata.recording`, set by imports), with its other variants as links. */
export function Recording({ session }: { session: Session }) {
  const [failed, setFailed] = useState<string | null>(null)
  const recording = session.metadata.recording as Record<string, unknown> | undefined
  if (!recording || typeof recording.url !== 'string') return null
  const variants = Object.entries(recording).filter((entry): entry is [string, string] => entry[0] !== 'url' && typeof entry[1] === 'string')
  return (
    <figure class="recording">
      <figcaption>Recording</figcaption>
      <audio controls preload="none" src={recording.url} data-testid="session-recording" onError={(event) => setFailed(playbackError(event.currentTarget as HTMLAudioElement))} />
      {failed && <p class="error" role="alert" data-testid="recording-error">{failed}</p>}
      {variants.length > 0 && (
        <p class="muted">
          {variants.map(([name, url], index) => (
            <>{index > 0 && ' · '}<a href={url} rel="noreferrer">{name.replace(/_url$/, '').replace(/_/g, ' ')}</a></>
          ))}
        </p>
      )}
    </figure>
  )
}

export function Facts({ session }: { session: Session }) {
  const [open, setOpen] = useState(false)
  const hasMetadata = Object.keys(session.metadata).length > 0
  return (
    <dl class="facts">
      <div><dt>User</dt><dd class="mono">{session.userId ?? '—'}</dd></div>
      <div><dt>Started</dt><dd>{formatTime(session.startedAt)}</dd></div>
      <div><dt>Ended</dt><dd>{session.isActive ? 'active' : formatTime(session.endedAt)}</dd></div>
      <div><dt>Duration</dt><dd>{session.isActive ? '—' : formatDuration(session.durationSeconds)}</dd></div>
      <div><dt>Reason</dt><dd>{session.endedReason ?? '—'}</dd></div>
      <div><dt>Messages</dt><dd data-testid="message-count">{session.messageCount}</dd></div>
      <div><dt>Topics</dt><dd>{session.topicsDiscussed.join(', ') || '—'}</dd></div>
      <div class="wide">
        <dt>Metadata</dt>
        <dd>
          {hasMetadata ? (
            <>
              <button type="button" class="quiet" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Hide' : 'Show'} metadata</button>
              {open && <pre class="metadata">{JSON.stringify(session.metadata, null, 2)}</pre>}
            </>
          ) : (
            'none'
          )}
        </dd>
      </div>
    </dl>
  )
}

const EXTENSIONS: Record<string, string> = { openai: 'jsonl', 'vercel-ui': 'json' }

function Exports({ client, session }: { client: ParleyClient; session: Session }) {
  const [error, setError] = useState<string | null>(null)
  const download = async (format: (typeof EXPORT_FORMATS)[number]) => {
    setError(null)
    try {
      const text = await client.exportSession(session.sessionId, format)
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }))
      const link = Object.assign(document.createElement('a'), { href: url, download: `session-${session.sessionId}.${EXTENSIONS[format] ?? format}` })
      link.click()
      setTimeout(() => URL.revokeObjectURL(url), 1000)
    } catch (failure) {
      setError(explain(failure))
    }
  }
  return (
    <div class="exports" role="group" aria-label="Export this session">
      <span class="muted">Export:</span>
      {EXPORT_FORMATS.map((format) => (
        <button key={format} type="button" class="quiet" onClick={() => download(format)}>{format}</button>
      ))}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  )
}

