import { ValidationError } from '../model/errors.js'
import type { Database } from './database.js'
import type { PGliteLike, PgliteOptions } from './pglite/pglite-database.js'
import type { PostgresOptions } from './postgres/postgres-database.js'

/** Where the embedded database lives when nothing else is configured. */
export const DEFAULT_DATABASE_URL = 'pglite:./.parley/db'

/** A database URL, a backend already opened, or a PGlite instance the caller built. */
export type DatabaseTarget = string | Database | PGliteLike

/** Which backend a URL names, and its address. Pure, so it is tested without a database. */
export type ParsedDatabaseUrl =
  | { backend: 'postgres'; url: string }
  | { backend: 'pglite'; dataDir: string | undefined }

/**
 * Reads a database URL: `postgres://…` or `postgresql://…` (any PostgreSQL,
 * Supabase included), `pglite:<folder>` (embedded, on disk) or `memory:`
 * (embedded, gone at close).
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const trimmed = url.trim()
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      new URL(trimmed)
    } catch {
      throw new ValidationError('database', `"${trimmed.replace(/:[^:@/]*@/, ':***@')}" is not a valid URL`, 'INVALID_DATABASE_URL')
    }
    return { backend: 'postgres', url: trimmed }
  }
  if (/^memory:(\/\/)?$/i.test(trimmed)) return { backend: 'pglite', dataDir: undefined }
  const pglite = /^pglite:(\/\/)?(.+)$/i.exec(trimmed)
  if (pglite?.[2]) return { backend: 'pglite', dataDir: pglite[2] }
  throw new ValidationError(
    'database',
    `unsupported database URL "${trimmed}": use postgres://user:password@host:5432/db, pglite:./folder or memory:`,
    'INVALID_DATABASE_URL',
  )
}

/** How a URL is opened: the PostgreSQL pool's options, and for the embedded database whether it must exist already or is shared. */
export interface OpenDatabaseOptions extends PostgresOptions, PgliteOptions {}

/** Opens the backend a target names; backends are imported only when used. */
export async function openDatabase(target: DatabaseTarget = DEFAULT_DATABASE_URL, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (typeof target !== 'string') {
    if ('description' in target) return target
    const { wrapPglite } = await import('./pglite/pglite-database.js')
    return wrapPglite(target, 'embedded database (caller-provided)')
  }
  const parsed = parseDatabaseUrl(target)
  if (parsed.backend === 'postgres') {
    const { openPostgres } = await import('./postgres/postgres-database.js')
    return openPostgres(parsed.url, options)
  }
  const { openPglite } = await import('./pglite/pglite-database.js')
  return openPglite(parsed.dataDir, options)
}
