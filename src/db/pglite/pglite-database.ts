import { accessSync, constants, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UnavailableError, ValidationError } from '../../model/errors.js'
import type { Logger } from '../../logger.js'
import type { Database, Queryable, QueryResult } from '../database.js'
import { translateError } from '../translate-error.js'
import { LOCK_FILE, lockDataDir } from './data-dir-lock.js'
import { connectShared, shareDatabase, sharedSocketPath, SOCKET_FILE } from './shared-socket.js'

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

/** How an embedded database folder is opened. */
export interface PgliteOptions {
  /** Refuse a folder that holds no database instead of creating one (the commands that only read). */
  mustExist?: boolean
  /** While open, serve the database to this user's other processes on a socket in its folder (`parley serve`). */
  share?: boolean
  /** Where a failure to share is reported; silent by default. */
  logger?: Logger
}

/**
 * Opens embedded PostgreSQL. `dataDir` undefined keeps everything in memory.
 * A folder is locked for this process first: a second process gets a clear
 * error instead of a corrupted database, or, when the holder shares it (a
 * running `parley serve`), a connection through the holder's socket.
 */
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<Database> {
  const description = dataDir ? `embedded database ${dataDir}` : 'in-memory embedded database'
  let release: () => void = () => {}
  if (dataDir !== undefined) {
    // A running `parley serve` answers on its socket: use its database rather than fight for the folder.
    const shared = await connectShared(sharedSocketPath(dataDir), description)
    if (shared) return shared
    // A live holder is named before the folder is judged: a server still starting has a half-made folder.
    const locked = existsSync(join(dataDir, LOCK_FILE))
    if (locked) release = lockDataDir(dataDir)
    try {
      checkDataDir(dataDir, options.mustExist === true)
    } catch (error) {
      release()
      throw error
    }
    if (!locked) release = lockDataDir(dataDir)
  }
  try {
    const { PGlite } = await import('@electric-sql/pglite')
    const pglite = await PGlite.create({ dataDir })
    let stopSharing: (() => Promise<void>) | undefined
    if (options.share && dataDir !== undefined) {
      // Sharing is a convenience: a folder whose socket path is too long (108 bytes) still serves, unshared.
      stopSharing = await shareDatabase(pglite, sharedSocketPath(dataDir)).catch((error: unknown) => {
        options.logger?.warn({ err: error, dataDir }, 'the embedded database is not shared with the CLI: its socket could not be created')
        return undefined
      })
    }
    return wrapPglite(pglite, description, release, stopSharing)
  } catch (error) {
    release()
    throw error
  }
}

/**
 * Answers at once, before PGlite starts, what would otherwise hang or litter:
 * a folder that cannot be created, one full of someone else's files, or
 * (for `mustExist`) one that holds no database.
 */
function checkDataDir(dataDir: string, mustExist: boolean): void {
  const hasDatabase = existsSync(join(dataDir, 'PG_VERSION'))
  if (hasDatabase) return
  if (mustExist) {
    throw new UnavailableError(
      'DATABASE_NOT_FOUND',
      `no Parley database at ${dataDir}; check the path, or create it with \`parley migrate --database-url pglite:${dataDir}\``,
      { details: { dataDir } },
    )
  }
  let entries: string[]
  try {
    entries = readdirSync(dataDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotCreate(dataDir, error)
    makeFolders(dataDir)
    entries = []
  }
  const others = entries.filter((name) => name !== LOCK_FILE && name !== SOCKET_FILE && !name.startsWith(`${LOCK_FILE}.`))
  if (others.length > 0) {
    throw new ValidationError(
      'database',
      `pglite:${dataDir} is a folder with other files in it (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}) and no database; the embedded database needs a folder of its own: use a new or empty one, such as pglite:${join(dataDir, '.parley', 'db')}`,
      'INVALID_DATABASE_URL',
    )
  }
  try {
    accessSync(dataDir, constants.W_OK)
  } catch (error) {
    throw cannotCreate(dataDir, error)
  }
}

// One level at a time: Node's recursive mkdir spins forever on a path under /proc.
function makeFolders(dataDir: string): void {
  const missing: string[] = []
  for (let folder = resolve(dataDir); !existsSync(folder); folder = dirname(folder)) missing.unshift(folder)
  for (const folder of missing) {
    try {
      mkdirSync(folder)
    } catch (error) {
      throw cannotCreate(dataDir, error)
    }
  }
}

function cannotCreate(dataDir: string, error: unknown): ValidationError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error)
  return new ValidationError(
    'database',
    `cannot create the embedded database folder ${dataDir} (${reason}); choose a folder you can write to, such as pglite:./.parley/db`,
    'INVALID_DATABASE_URL',
  )
}

/**
 * Wraps a PGlite instance. PGlite has one connection: `transaction()` holds it
 * for the whole callback and other queries wait, which is why writes are
 * batched rather than run side by side.
 */
export function wrapPglite(
  pglite: PGliteLike,
  description: string,
  onClose: () => void = () => {},
  beforeClose?: () => Promise<void>,
): Database {
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
        if (closed) throw new UnavailableError('DATABASE_CLOSED', `${description} is closed`)
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
        await beforeClose?.()
        await pglite.close()
      } finally {
        onClose()
      }
    },
  }
}
