// The one way the dashboard reaches the server: parley/client, with the key
// kept in this tab's sessionStorage only (never in the URL, never in logs).
import { ParleyClient, type Message, type Session } from '../../src/client/index.js'

const KEY_STORAGE = 'parley.apiKey'

export interface SessionWithPreview extends Session {
  preview?: string | null
}

export interface SearchHit {
  message: Message
  sessionId: string
  snippet: Array<{ text: string; match: boolean }>
}

export interface Stats {
  totals: { sessions: number; messages: number; activeNow: number }
  sessionsPerDay: Array<{ day: string; count: number }>
  durationSeconds: { p50: number | null; p90: number | null; p99: number | null; buckets: Array<{ leSeconds: number | null; count: number }> }
  messagesPerSession: { avg: number | null; p50: number | null; p90: number | null; p99: number | null }
  busiestHours: Array<{ hour: number; count: number }>
}

export interface SchemaReport {
  ok: boolean
  problems: Array<{ kind: string; table: string | null; column?: string; name?: string; expected: string | null; actual: string | null; severity: string; fix: string }>
  pendingMigrations?: Array<{ version: number; name: string }>
  pending_migrations?: Array<{ version: number; name: string }>
}

export interface ListSessionsFilters {
  userId?: string
  active?: boolean
  from?: string
  to?: string
  metadata?: Record<string, string>
  minDuration?: number
  limit?: number
  cursor?: string
}

export interface SearchOptions {
  q: string
  userId?: string
  role?: string
  from?: string
  to?: string
  limit?: number
  cursor?: string
}

/** The SDK methods of the server issue; older servers' SDKs may lack some, and the pages say so. */
interface DashboardMethods {
  listSessions(options: ListSessionsFilters): Promise<{ sessions: SessionWithPreview[]; nextCursor: string | null }>
  search(options: SearchOptions): Promise<{ hits: SearchHit[]; nextCursor: string | null }>
  getStats(options: { from?: string; to?: string; userId?: string }): Promise<Stats>
  getSchemaReport(): Promise<SchemaReport>
  exportSession(sessionId: string, format: string): Promise<string>
}

export type DashboardClient = ParleyClient & Partial<DashboardMethods>

export const EXPORT_FORMATS = ['json', 'jsonl', 'csv', 'vtt', 'srt', 'txt', 'openai', 'vercel-ui'] as const

let current: { key: string; client: DashboardClient } | undefined

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE)
  } catch {
    return null
  }
}

/** A client for `key` against the server that served this page; few retries, so errors show quickly. */
export function clientFor(key: string): DashboardClient {
  if (current?.key === key) return current.client
  current?.client.shutdown({ timeoutMs: 0 }).catch(() => {})
  const client = new ParleyClient({ baseUrl: location.origin, apiKey: key, maxRetries: 2, requestTimeoutMs: 15_000 }) as DashboardClient
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

/** Calls an SDK method the running SDK may not have yet, with a clear error when it is missing. */
export function need<K extends keyof DashboardMethods>(client: DashboardClient, name: K): DashboardMethods[K] {
  const method = client[name]
  if (typeof method !== 'function') throw new Error(`this Parley version has no ${name}(): update Parley on the server`)
  return (method as (...args: unknown[]) => unknown).bind(client) as DashboardMethods[K]
}
