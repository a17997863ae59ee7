// Hash routes (`#/sessions?user=…`): the URL holds the view and its filters, so
// a view can be shared, and the server needs no fallback for deep links.
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** Path segments after `#/`, e.g. `['sessions', '<id>']`. */
  parts: string[]
  query: URLSearchParams
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '')
  const [path = '', search = ''] = text.split('?', 2)
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) }
}

/** `#/a/b?x=1`, leaving out empty query values. */
export function href(parts: string[], query: Record<string, string | number | boolean | undefined | null> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const search = params.size > 0 ? `?${params}` : ''
  return `#/${parts.map(encodeURIComponent).join('/')}${search}`
}

export function navigate(target: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', target)
  else history.pushState(null, '', target)
  dispatchEvent(new HashChangeEvent('hashchange'))
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash))
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}
