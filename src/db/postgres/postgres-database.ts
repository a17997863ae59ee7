import pg from 'pg'
import type { Logger } from '../../logger.js'
import type { Database, Queryable, QueryResult } from '../database.js'
import { UnavailableError } from '../../model/errors.js'
import { translateError } from '../translate-error.js'
import { explainConnectionError } from './connection-errors.js'
import { inlineParameters } from './inline-parameters.js'
import { createNotificationListener } from './notification-listener.js'

/** Options for the node-postgres backend. */
export interface PostgresOptions {
  /** Most connections the pool opens (default 10). */
  maxConnections?: number
  /** How long to wait for a connection before giving up (default 10 s). */
  connectTimeoutMs?: number
  /**
   * A direct or session-mode URL of the same database for LISTEN (and, in the
   * CLI and `migrate: true`, migrations) when `url` goes through a transaction pooler.
   */
  directUrl?: string
  /** How long the listener's probe NOTIFY may take (default 3 s). */
  probeTimeoutMs?: number
  /** Where the listener reports that live events are unavailable; silent by default. */
  logger?: Logger
}

/**
 * Opens a pool on a PostgreSQL URL. Holds no session state between
 * statements (no `SET`, no prepared statement names), so transaction poolers
 * such as Supabase's pooler and PgBouncer work.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const description = describeUrl(url)
  const connectionString = libpqSslModes(url)
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: { getTypeParser: typeParser },
  })
  // An idle client that loses its server emits here; without a listener the
  // process would crash. The next query reports the outage to its caller.
  pool.on('error', () => {})
  // The connections running something now, whose statements a shutdown may cancel.
  const busy = new Set<pg.PoolClient>()
  pool.on('acquire', (client) => busy.add(client))
  pool.on('release', (_error, client) => busy.delete(client))
  pool.on('remove', (client) => busy.delete(client as pg.PoolClient))
  let cancelling = false
  let canceller: Promise<pg.Client> | undefined

  const run = async <Row>(client: pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    try {
      const results = (await client.query(sql, params as unknown[] | undefined)) as pg.QueryResult | pg.QueryResult[]
      // Several statements in one message (queryWithSettings) answer with one result each: the last is the statement's.
      const result = Array.isArray(results) ? results[results.length - 1]! : results
      return { rows: result.rows as Row[] }
    } catch (error) {
      if (cancelling && (error as { code?: unknown }).code === QUERY_CANCELED) {
        throw new UnavailableError('SHUTTING_DOWN', 'the server is shutting down and cancelled this statement; nothing of it was stored, send it again', {
          cause: error,
          details: { sqlstate: QUERY_CANCELED, retryAfterSeconds: 1 },
        })
      }
      throw translateError(error, description)
    }
  }

  // A checked-out client whose server goes away between statements emits
  // `error`; unheard, that would crash the process. The next statement reports it.
  const checkOut = async () => {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      throw translateError(error, description)
    }
    const ignore = () => {}
    client.on('error', ignore)
    const release = (error?: Error) => {
      client.off('error', ignore)
      client.release(error)
    }
    // After a failure: `sql` first (it runs once the server is done with the
    // failed statement), then back to the pool, or discarded if that fails too.
    const releaseAfter = async (sql: string) => {
      const failed = await client.query(sql).then(
        () => undefined,
        (error: unknown) => error,
      )
      release(failed instanceof Error ? failed : undefined)
    }
    return { client, release, releaseAfter }
  }

  // pg reports a failed statement as soon as the error arrives, before the
  // server has rolled it back and let go of its locks: a statement sent at
  // once on another connection (a retry of the same rows) could find them
  // still held. So the connection answers one more statement before the
  // error is passed on, which it does only once the rollback is done.
  const runOnPool = async <Row>(sql: string, params?: readonly unknown[]) => {
    const { client, release, releaseAfter } = await checkOut()
    try {
      const result = await run<Row>(client, sql, params)
      release()
      return result
    } catch (error) {
      await releaseAfter('select 1')
      throw error
    }
  }

  // One connection of its own (the pool may be full of the very statements to cancel), direct when DIRECT_URL is set.
  const cancelStatements = async (which: 'lock-waits' | 'all'): Promise<number> => {
    cancelling = true
    const pids = [...busy].map((client) => (client as unknown as { processID: number | null }).processID).filter((pid) => pid !== null)
    if (pids.length === 0) return 0
    canceller ??= (async () => {
      const client = new pg.Client({ connectionString: libpqSslModes(options.directUrl ?? url), connectionTimeoutMillis: 3_000 })
      client.on('error', () => {})
      await client.connect()
      return client
    })()
    const client = await canceller.catch((error: unknown) => {
      canceller = undefined
      throw translateError(error, description)
    })
    const { rows } = await client.query(which === 'lock-waits' ? CANCEL_LOCK_WAITS : CANCEL_ACTIVE, [pids])
    return rows.filter((row: { cancelled: boolean }) => row.cancelled).length
  }

  const notifications = createNotificationListener({
    url: libpqSslModes(options.directUrl ?? url),
    description: options.directUrl ? describeUrl(options.directUrl) : description,
    direct: options.directUrl !== undefined,
    notifyThroughPool: async (channel, payload) => {
      await runOnPool('select pg_notify($1, $2)', [channel, payload])
    },
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.probeTimeoutMs !== undefined && { probeTimeoutMs: options.probeTimeoutMs }),
    ...(options.logger && { logger: options.logger }),
  })

  const database: Database = {
    description,
    embedded: false,
    maxConcurrentWrites: Math.max(1, Math.floor((options.maxConnections ?? 10) / 4)),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    query: <Row>(sql: string, params?: readonly unknown[]) => runOnPool<Row>(sql, params) as Promise<QueryResult<Row>>,
    async exec(sql) {
      await runOnPool(sql)
    },
    // Settings, statement and the implicit commit in one simple-protocol message:
    // a third of the round trips of begin / statement / commit on the hot path.
    async queryWithSettings<Row>(settings: string, sql: string, params: readonly unknown[] = []) {
      const inlined = inlineParameters(sql, params)
      if (inlined === undefined) return database.transaction((tx) => tx.query<Row>(sql, params), { settings })
      return runOnPool<Row>(`${settings}; ${inlined}`) as Promise<QueryResult<Row>>
    },
    async transaction(fn, transactionOptions) {
      const { client, release, releaseAfter } = await checkOut()
      const tx: Queryable = {
        query: <Row>(sql: string, params?: readonly unknown[]) => run<Row>(client, sql, params) as Promise<QueryResult<Row>>,
        async exec(sql) {
          await run(client, sql)
        },
      }
      try {
        await run(client, transactionOptions?.settings ? `begin; ${transactionOptions.settings}` : 'begin')
        const result = await fn(tx)
        await run(client, 'commit')
        release()
        return result
      } catch (error) {
        await releaseAfter('rollback')
        throw error
      }
    },
    listen: (channel, onPayload) => notifications.listen(channel, onPayload),
    liveEvents: () => notifications.state(),
    cancelStatements,
    async close() {
      await canceller?.then((client) => client.end()).catch(() => {})
      await notifications.close()
      await pool.end()
    },
  }
  // Connect once now, so that a wrong URL or password fails here, clearly.
  try {
    await checkConnection(connectionString, description, options.connectTimeoutMs)
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  return database
}

const QUERY_CANCELED = '57014'
// Behind a transaction pooler the pids are the pooler's and match nothing here; lock_timeout bounds those waits.
const CANCEL_LOCK_WAITS = /* sql */ `
  select pg_cancel_backend(pid) as cancelled from pg_stat_activity where pid = any($1::int[]) and wait_event_type = 'Lock'`
const CANCEL_ACTIVE = /* sql */ `
  select pg_cancel_backend(pid) as cancelled from pg_stat_activity where pid = any($1::int[]) and state = 'active'`

// Counts and `seq` are bigint; as JavaScript numbers once, here, rather than at every read.
const INT8_OID = 20
const typeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser

/**
 * One client, not the pool, and at most 5 s: a login that fails half-way
 * (SCRAM without a password) leaves its socket open until the server's
 * authentication_timeout, so it is destroyed here rather than waited for.
 */
async function checkConnection(connectionString: string, description: string, timeoutMs = 10_000): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: Math.min(timeoutMs, 5_000) })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
    throw explainConnectionError(error, description)
  }
  await client.end().catch(() => {})
}

/**
 * `sslmode` as libpq and every PostgreSQL provider's docs mean it (`require`:
 * encrypted, certificate not verified; `verify-full`: verified). pg 8 would
 * otherwise treat `require` as `verify-full` and print a SECURITY WARNING
 * block about it on every start.
 */
export function libpqSslModes(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.searchParams.has('sslmode') && !parsed.searchParams.has('uselibpqcompat')) {
      parsed.searchParams.set('uselibpqcompat', 'true')
      return parsed.toString()
    }
  } catch {
    // parseDatabaseUrl has checked it already; pass it on as given
  }
  return url
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the PostgreSQL URL'
  }
}
