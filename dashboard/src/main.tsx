// The dashboard: sign in with a key, then browse, replay, watch, search and measure.
import { render } from 'preact'
import { useState } from 'preact/hooks'
import { clientFor, signOut, storedKey } from './api.js'
import { HealthPage } from './pages/Health.js'
import { LivePage } from './pages/Live.js'
import { SearchPage } from './pages/Search.js'
import { SessionPage } from './pages/Session.js'
import { SessionsPage } from './pages/Sessions.js'
import { SignInPage } from './pages/SignIn.js'
import { StatsPage } from './pages/Stats.js'
import { href, navigate, useRoute } from './route.js'
import './styles.css'

const NAV = [
  ['sessions', 'Sessions'],
  ['search', 'Search'],
  ['stats', 'Stats'],
  ['health', 'Health'],
] as const

function App() {
  const route = useRoute()
  const [key, setKey] = useState(storedKey)
  if (!key) return <SignInPage onSignedIn={setKey} />
  const client = clientFor(key)
  const [page = 'sessions', id] = route.parts
  const leave = () => {
    signOut()
    setKey(null)
    navigate(href(['sessions']), { replace: true })
  }
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus() }}>Skip to content</a>
      <header class="top">
        <a class="brand" href={href(['sessions'])}>Parley</a>
        <nav aria-label="Pages">
          {NAV.map(([name, label]) => (
            <a key={name} href={href([name])} aria-current={page === name || (page === 'live' && name === 'sessions') ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <button type="button" class="quiet" onClick={leave}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'sessions' && !id && <SessionsPage client={client} query={route.query} />}
        {page === 'sessions' && id && <SessionPage key={id} client={client} sessionId={id} turn={route.query.get('turn')} />}
        {page === 'live' && id && <LivePage key={id} client={client} sessionId={id} />}
        {page === 'live' && !id && (
          <p class="empty" data-testid="live-empty">
            Live follows one active session. <a href={href(['sessions'], { active: 'true' })}>Pick one of the active sessions</a> and choose “watch”.
          </p>
        )}
        {page === 'search' && <SearchPage client={client} query={route.query} />}
        {page === 'stats' && <StatsPage client={client} query={route.query} />}
        {page === 'health' && <HealthPage client={client} />}
        {!['sessions', 'live', 'search', 'stats', 'health'].includes(page) && (
          <p class="empty">There is no page “{page}”. <a href={href(['sessions'])}>Go to the sessions.</a></p>
        )}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
