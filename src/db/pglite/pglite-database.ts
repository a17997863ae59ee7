import type { Database, Queryable, QueryResult } from '../database.js'
import { translateError } from '../translate-error.js'
import { lockDataDir } from './data-dir-lock.js'

/**
 * The part of `@electric-sql/pglite` Parley uses, so that a caller can hand
 * in an instance it built itself and nothing outside this folder imports it.
 */
export interface PGliteLike {
  query<Row>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<{ rows: Row[] }>
  exec(sql: string): Promise<unknown>
  transaction<T>(fn: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>
  /** Resolves to the function that stops listening. */
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

interface PGliteQueryOptions {
  parsers?: Record<number, (value: string, typeId: number) => unknown>
}

// Counts and `seq` are bigint; as JavaScript numbers once, here, rather than at every read.
const INT8_AS_NUMBER: PGliteQueryOptions = { parsers: { 20: (value) => Number(value) } }

interface PGliteTransactionLike {
  query<Row>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<{ rows: Row[] }>
  exec(sql: string): Promise<unknown>
}

/**
 * Opens embedded PostgreSQL. `dataDir` undefined keeps everything in memory.
 * A folder is locked for this process first: a second process gets a clear
 * error instead of a corrupted database.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const release = dataDir === undefined ? () => {} : lockDataDir(dataDir)
  try {
    const { PGlite } = await import('@electric-sql/pglite')
    const pglite = await PGlite.create({ dataDir })
    return wrapPglite(pglite, dataDir ? `embedded database ${dataDir}` : 'in-memory embedded database', release)
  } catch (error) {
    release()
    throw error
  }
}

/**
 * Wraps a PGlite instance. PGlite has one connection: `transaction()` holds it
 * for the whole callback and other queries wait, which is why writes are
 * batched rather than run side by side.
 */
export function wrapPglite(pglite: PGliteLike, description: string, onClose: () => void = () => {}): Database {
  const on = (target: PGliteTransactionLike): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      try {
        const result = await target.query<Row>(sql, params as unknown[] | undefined, INT8_AS_NUMBER)
        return { rows: result.rows }
      } catch (error) {
        throw translateError(error, description)
      }
    },
    async exec(sql: string) {
      try {
        await target.exec(sql)
      } catch (error) {
        throw translateError(error, description)
      }
    },
  })
  let closed = false
  return {
    description,
    embedded: true,
    maxConcurrentWrites: 1,
    ...on(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(on(tx))),
    // NOTIFY works in-process: every listener shares the one connection.
    ...(pglite.listen && {
      async listen(channel: string, onPayload: (payload: string) => void) {
        if (closed) throw new Error('the database is closed')
        const unlisten = await pglite.listen!(channel, onPayload)
        return async () => {
          if (!closed) await unlisten().catch(() => {})
        }
      },
    }),
    async close() {
      if (closed) return
      closed = true
      try {
        await pglite.close()
      } finally {
        onClose()
      }
    },
  }
}
