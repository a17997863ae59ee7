import { useState } from 'preact/hooks'
import { signIn } from '../api.js'
import { explain } from '../format.js'

export function SignInPage({ onSignedIn }: { onSignedIn(key: string): void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const trimmed = key.trim()
    if (!trimmed) return setError('Enter an API key: `npx parley keys create --scope read` prints one.')
    setBusy(true)
    setError(null)
    try {
      await signIn(trimmed)
      onSignedIn(trimmed)
    } catch (failure) {
      setError(explain(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="signin" id="main">
      <h1>Parley</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(event) => setKey((event.currentTarget as HTMLInputElement).value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
          autoFocus
        />
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
        {error && <p id="signin-error" class="error" role="alert">{error}</p>}
        <p id="signin-help" class="hint">
          A read key is enough. The key stays in this browser tab only and is forgotten when you sign out or close it.
        </p>
      </form>
    </main>
  )
}
