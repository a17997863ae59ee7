// The one way the dashboard reaches the server: parley/client, with the key
// kept in this tab's sessionStorage only (never in the URL, never in logs).
import { ParleyClient } from '../../src/client/index.js'

export { EXPORT_FORMAT_NAMES as EXPORT_FORMATS } from '../../src/model/export-formats.js'
export type { ConversationStats, ListSessionsOptions, ParleyClient, SchemaReport, SearchHit, SearchOptions, SessionListItem } from '../../src/client/index.js'

const KEY_STORAGE = 'parley.apiKey'

let current: { key: string; client: ParleyClient } | undefined

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE)
  } catch {
    return null
  }
}

/** A client for `key` against the server that served this page; few retries, so errors show quickly. */
export function clientFor(key: string): ParleyClient {
  if (current?.key === key) return current.client
  current?.client.shutdown({ timeoutMs: 0 }).catch(() => {})
  const client = new ParleyClient({ baseUrl: location.origin, apiKey: key, maxRetries: 2, requestTimeoutMs: 15_000 })
  current = { key, client }
  return client
}

/** Tries the key with one read; stores it for this tab only once the server accepted it. */
export async function signIn(key: string): Promise<void> {
  await clientFor(key).listSessions({ limit: 1 })
  sessionStorage.setItem(KEY_STORAGE, key)
}

export function signOut(): void {
  sessionStorage.removeItem(KEY_STORAGE)
  current?.client.shutdown({ timeoutMs: 0 }).catch(() => {})
  current = undefined
}
