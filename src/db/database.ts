/** A row set as both backends return it. */
export interface QueryResult<Row> {
  rows: Row[]
}

/** A connection pool's state: open connections, idle ones, and callers waiting for one. */
export interface PoolStats {
  total: number
  idle: number
  waiting: number
}

/**
 * Whether change notifications reach this process: `ok` (proven by a probe),
 * `unavailable` (the probe did not come back, or the LISTEN connection is
 * down), `starting`, or `idle` (nobody listens yet).
 */
export type LiveEventsState = 'ok' | 'unavailable' | 'starting' | 'idle'

/** What a transaction (and the database itself) can run. */
export interface Queryable {
  /** One statement with `$1…$n` parameters. */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>
  /** Several statements separated by `;`, no parameters (migrations). */
  exec(sql: string): Promise<void>
}

/**
 * The one seam between Parley and a database. A backend is a folder under
 * `src/db/` that implements it; nothing above this file knows which one runs.
 */
export interface Database extends Queryable {
  /** A short description for log lines and errors, with no password in it. */
  readonly description: string
  /** In-process (PGlite): nobody else shares it, so pending migrations are applied on open. */
  readonly embedded: boolean
  /**
   * How many write batches may be in flight at once. PGlite has a single
   * connection, so more than one only queues inside it.
   */
  readonly maxConcurrentWrites: number
  /** Connections of the pool right now, for metrics; a backend without a pool (PGlite) leaves it out. */
  poolStats?(): PoolStats
  /**
   * Runs `fn` in one transaction: committed if it resolves, rolled back if it
   * throws. `settings` (`set local …` statements) go with the `begin`, in the
   * same round trip, where the backend can.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: { settings?: string }): Promise<T>
  /**
   * One statement after `settings` (`set local …`), alone in a transaction of
   * its own, in one round trip. A backend that cannot leaves it out, and the
   * caller uses `transaction`.
   */
  queryWithSettings?<Row = Record<string, unknown>>(settings: string, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>
  /**
   * Calls `onPayload` with each `NOTIFY` on `channel`, from any connection,
   * once its transaction has committed. Resolves when listening has begun;
   * the function it returns stops. Missing on a backend without notifications.
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  /**
   * For a shutdown: cancels this process's statements that wait on a lock
   * (`lock-waits`) or that still run at all (`all`); their transactions roll
   * back and their callers hear `503 SHUTTING_DOWN`. Resolves with how many
   * were cancelled. Missing where no other session can hold a lock (PGlite).
   */
  cancelStatements?(which: 'lock-waits' | 'all'): Promise<number>
  /** Whether `listen` delivers right now; a backend whose notifications cannot fail (PGlite) leaves it out. */
  liveEvents?(): LiveEventsState
  close(): Promise<void>
}
