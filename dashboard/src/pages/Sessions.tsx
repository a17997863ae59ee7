// Sessions, newest first: filters in the URL, cursor paging as you scroll, new and active sessions live.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { LiveEvent } from '../../../src/client/index.js'
import type { ParleyClient, ListSessionsOptions, SessionListItem } from '../api.js'
import { VirtualList } from '../components/VirtualList.js'
import { explain, formatDuration, formatTime, shortId } from '../format.js'
import { useSessionEvents } from '../hooks.js'
import { href, navigate } from '../route.js'

const PAGE = 100
/** Without live events (the socket is down), new sessions are looked for this often. */
const REFRESH_MS = 10_000

/** The URL's filter parameters as the SDK's options. */
export function filtersFromQuery(query: URLSearchParams): ListSessionsOptions {
  const filters: ListSessionsOptions = {}
  const user = query.get('user')
  if (user) filters.userId = user
  const active = query.get('active')
  if (active === 'true' || active === 'false') filters.active = active === 'true'
  const from = query.get('from')
  if (from) filters.from = new Date(from).toISOString()
  const to = query.get('to')
  // A date picked as "to" includes that whole day.
  if (to) filters.to = new Date(new Date(to).getTime() + (/^\d{4}-\d{2}-\d{2}$/.test(to) ? 86_400_000 : 0)).toISOString()
  const min = query.get('min')
  if (min && Number.isFinite(Number(min))) filters.minDuration = Number(min)
  const metadata = query.getAll('meta').map((pair) => pair.split('=')).filter((pair) => pair.length >= 2 && pair[0])
  if (metadata.length > 0) filters.metadata = Object.fromEntries(metadata.map(([key, ...value]) => [key!, value.join('=')]))
  return filters
}

export function SessionsPage({ client, query }: { client: ParleyClient; query: URLSearchParams }) {
  const filterKey = query.toString()
  const [sessions, setSessions] = useState<SessionListItem[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [status, setStatus] = useState<'loading' | 'done' | 'error'>('loading')
  const [error, setError] = useState<string | null>(null)
  const loading = useRef(false)

  const loadPage = useCallback(
    async (after: string | null) => {
      if (loading.current) return
      loading.current = true
      try {
        const page = await client.listSessions({ ...filtersFromQuery(query), limit: PAGE, ...(after && { cursor: after }) })
        setSessions((previous) => (after ? [...previous, ...page.sessions] : page.sessions))
        setCursor(page.nextCursor)
        setStatus('done')
        setError(null)
      } catch (failure) {
        setError(explain(failure))
        setStatus('error')
      } finally {
        loading.current = false
      }
    },
    [client, filterKey],
  )

  useEffect(() => {
    setSessions([])
    setStatus('loading')
    loadPage(null)
  }, [loadPage])

  // Sessions started since the page loaded go on top, as the filters select them.
  const refreshing = useRef({ busy: false, again: false })
  const refreshTop = useCallback(async () => {
    const state = refreshing.current
    if (state.busy) {
      state.again = true
      return
    }
    state.busy = true
    try {
      do {
        state.again = false
        const page = await client.listSessions({ ...filtersFromQuery(query), limit: PAGE })
        setSessions((previous) => {
          const newest = previous[0] ? new Date(previous[0].startedAt).getTime() : -Infinity
          const known = new Set(previous.map((session) => session.sessionId))
          const arrived = page.sessions.filter((session) => !known.has(session.sessionId) && new Date(session.startedAt).getTime() >= newest)
          return arrived.length > 0 ? [...arrived, ...previous] : previous
        })
        setStatus('done')
      } while (state.again)
    } catch {
      // The next event (or tick) tries again; the page keeps what it shows.
    } finally {
      state.busy = false
    }
  }, [client, filterKey])

  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (event.type === 'session.started') return void refreshTop()
      setSessions((previous) =>
        previous.map((session) => {
          if (session.sessionId !== event.sessionId) return session
          if (event.type === 'message.created') {
            return { ...session, messageCount: session.messageCount + 1, preview: session.preview ?? event.message.content.slice(0, 120) }
          }
          return { ...session, isActive: false, endedAt: event.endedAt, durationSeconds: event.durationSeconds, messageCount: event.messageCount, endedReason: event.endedReason }
        }),
      )
    },
    [refreshTop],
  )
  const live = useSessionEvents(client, filtersFromQuery(query).userId, onEvent)

  useEffect(() => {
    if (live !== 'offline') return
    const timer = setInterval(() => !document.hidden && void refreshTop(), REFRESH_MS)
    return () => clearInterval(timer)
  }, [live, refreshTop])

  const filtered = query.size > 0

  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <Filters query={query} />
      {status === 'error' && <p class="error" role="alert">{error}</p>}
      {status === 'loading' && <p class="muted" aria-live="polite">Loading sessions…</p>}
      {status === 'done' && sessions.length === 0 && (
        <p class="empty">
          {filtered ? (
            <>No sessions match these filters. <a href={href(['sessions'])}>Clear the filters.</a></>
          ) : (
            <>No sessions yet — run <code>npx parley demo --server {location.origin} --key &lt;ingest key&gt;</code> to record one.</>
          )}
        </p>
      )}
      {sessions.length > 0 && (
        <>
          <p class="muted" aria-live="polite">
            {sessions.length}{cursor ? '+' : ''} sessions · {live === 'live' ? 'new and active sessions update live' : live === 'connecting' ? 'connecting for live updates…' : 'live updates unavailable; looking for new sessions every 10 s'}
          </p>
          <div class="table sessions" role="table" aria-label="Sessions, newest first" aria-rowcount={sessions.length + 1}>
            <div class="row head" role="row" aria-rowindex={1}>
              <span role="columnheader">Started</span>
              <span role="columnheader">User</span>
              <span role="columnheader">Duration</span>
              <span role="columnheader">Messages</span>
              <span role="columnheader">Status</span>
              <span role="columnheader">Topics</span>
              <span role="columnheader">First words</span>
            </div>
            <VirtualList
              class="rows"
              label="Session rows"
              role="rowgroup"
              count={sessions.length}
              estimate={44}
              keyOf={(index) => sessions[index]!.sessionId}
              render={(index) => <SessionRow session={sessions[index]!} rowIndex={index + 2} />}
              onNearEnd={() => cursor && loadPage(cursor)}
            />
          </div>
          {cursor && (
            <button type="button" class="quiet more" onClick={() => loadPage(cursor)}>Load more sessions</button>
          )}
        </>
      )}
    </section>
  )
}

function SessionRow({ session, rowIndex }: { session: SessionListItem; rowIndex: number }) {
  const link = href(['sessions', session.sessionId])
  return (
    <div class={`row${session.isActive ? ' active' : ''}`} role="row" aria-rowindex={rowIndex} data-session-id={session.sessionId}>
      <span role="cell"><a href={link} aria-label={`Session started ${formatTime(session.startedAt)}`}>{formatTime(session.startedAt)}</a></span>
      <span role="cell" class="mono" title={session.userId ?? ''}>{session.userId ? shortId(session.userId) : '—'}</span>
      <span role="cell">{session.isActive ? '…' : formatDuration(session.durationSeconds)}</span>
      <span role="cell" class="messages">{session.messageCount}</span>
      <span role="cell">
        {session.isActive ? (
          <a class="badge live" href={href(['live', session.sessionId])}>active · watch</a>
        ) : (
          <span class="badge ended" title={session.endedReason ? `ended (${session.endedReason})` : 'ended'}>
            ended{session.endedReason ? ` (${session.endedReason})` : ''}
          </span>
        )}
      </span>
      <span role="cell">{session.topicsDiscussed.join(', ') || '—'}</span>
      <span role="cell" class="preview">{session.preview ?? '—'}</span>
    </div>
  )
}

function Filters({ query }: { query: URLSearchParams }) {
  const submit = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const value = (name: string) => String(form.get(name) ?? '').trim()
    const meta = value('meta')
      .split(',')
      .map((pair) => pair.trim())
      .filter((pair) => pair.includes('='))
    const params = new URLSearchParams()
    for (const name of ['user', 'active', 'from', 'to', 'min']) if (value(name)) params.set(name, value(name))
    for (const pair of meta) params.append('meta', pair)
    navigate(`#/sessions${params.size > 0 ? `?${params}` : ''}`)
  }
  const field = (name: string) => query.get(name) ?? ''
  return (
    <form class="filters" onSubmit={submit} key={query.toString()} aria-label="Filter sessions">
      <label>User id<input name="user" defaultValue={field('user')} placeholder="any user" spellcheck={false} /></label>
      <label>
        Status
        <select name="active" value={field('active')}>
          <option value="">any</option>
          <option value="true">active</option>
          <option value="false">ended</option>
        </select>
      </label>
      <label>From<input name="from" type="date" defaultValue={field('from')} /></label>
      <label>To<input name="to" type="date" defaultValue={field('to')} /></label>
      <label>Metadata<input name="meta" defaultValue={query.getAll('meta').join(', ')} placeholder="key=value, …" spellcheck={false} /></label>
      <label>Min. duration (s)<input name="min" type="number" min="0" step="any" defaultValue={field('min')} /></label>
      <div class="actions">
        <button type="submit">Apply filters</button>
        {query.size > 0 && <a href={href(['sessions'])}>Clear</a>}
      </div>
    </form>
  )
}
