// Full-text search over what was said: highlighted snippets, each hit linking to its turn.
import { useState } from 'preact/hooks'
import type { ParleyClient, SearchHit, SearchOptions } from '../api.js'
import { ROLES } from '../../../src/model/types.js'
import { explain, formatTime, shortId } from '../format.js'
import { href, navigate } from '../route.js'
import { useLoad } from '../hooks.js'

function optionsFromQuery(query: URLSearchParams): SearchOptions | null {
  const q = query.get('q')?.trim()
  if (!q) return null
  const options: SearchOptions = { q, limit: 50 }
  const user = query.get('user')
  if (user) options.userId = user
  const role = ROLES.find((name) => name === query.get('role'))
  if (role) options.role = role
  const from = query.get('from')
  if (from) options.from = new Date(from).toISOString()
  const to = query.get('to')
  if (to) options.to = new Date(new Date(to).getTime() + (/^\d{4}-\d{2}-\d{2}$/.test(to) ? 86_400_000 : 0)).toISOString()
  return options
}

export function SearchPage({ client, query }: { client: ParleyClient; query: URLSearchParams }) {
  const options = optionsFromQuery(query)
  const [more, setMore] = useState<{ hits: SearchHit[]; cursor: string | null; error?: string }>({ hits: [], cursor: null })
  const loaded = useLoad(async () => {
    setMore({ hits: [], cursor: null })
    return options ? client.search(options) : null
  }, [client, query.toString()])

  const submit = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const params = new URLSearchParams()
    for (const name of ['q', 'user', 'role', 'from', 'to']) {
      const value = String(form.get(name) ?? '').trim()
      if (value) params.set(name, value)
    }
    navigate(`#/search?${params}`)
  }

  const loadMore = async (cursor: string) => {
    try {
      const page = await client.search({ ...options!, cursor })
      setMore((previous) => ({ hits: [...previous.hits, ...page.hits], cursor: page.nextCursor }))
    } catch (failure) {
      setMore((previous) => ({ ...previous, error: explain(failure) }))
    }
  }

  const field = (name: string) => query.get(name) ?? ''
  const hits = loaded.state === 'done' && loaded.value ? [...loaded.value.hits, ...more.hits] : []
  const cursor = more.hits.length > 0 ? more.cursor : loaded.state === 'done' ? (loaded.value?.nextCursor ?? null) : null
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form class="filters" role="search" onSubmit={submit} key={query.toString()}>
        <label class="grow">Words<input name="q" type="search" defaultValue={field('q')} placeholder="what was said" autoFocus /></label>
        <label>User id<input name="user" defaultValue={field('user')} spellcheck={false} /></label>
        <label>
          Role
          <select name="role" defaultValue={field('role')}>
            <option value="">any</option>
            {ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
          </select>
        </label>
        <label>From<input name="from" type="date" defaultValue={field('from')} /></label>
        <label>To<input name="to" type="date" defaultValue={field('to')} /></label>
        <div class="actions"><button type="submit">Search</button></div>
      </form>
      {!options && <p class="empty">Type words said in a conversation, e.g. <em>weather</em> or <em>refund</em>.</p>}
      {options && loaded.state === 'loading' && <p class="muted" aria-live="polite">Searching…</p>}
      {loaded.state === 'error' && <p class="error" role="alert">{loaded.error}</p>}
      {options && loaded.state === 'done' && hits.length === 0 && <p class="empty">Nothing matches “{options.q}”. Try fewer or other words, or drop a filter.</p>}
      {hits.length > 0 && (
        <ol class="hits" aria-label="Search results">
          {hits.map((hit) => (
            <li key={hit.message.id} class="hit">
              <a href={href(['sessions', hit.sessionId], { turn: hit.message.id })}>
                <span class="role">{hit.message.role}</span>
                <span class="snippet">
                  {hit.snippet.map((segment, index) => (segment.match ? <mark key={index}>{segment.text}</mark> : <span key={index}>{segment.text}</span>))}
                </span>
              </a>
              <span class="muted">session {shortId(hit.sessionId)} · {formatTime(hit.message.createdAt)}</span>
            </li>
          ))}
        </ol>
      )}
      {more.error && <p class="error" role="alert">{more.error}</p>}
      {cursor && <button type="button" class="quiet more" onClick={() => loadMore(cursor)}>More results</button>}
    </section>
  )
}
