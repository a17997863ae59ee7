import type { Database, Queryable } from './database.js'

/** How long one statement may wait for a lock, and run at all; 0 turns either off. */
export interface StatementTimeouts {
  lockTimeoutMs: number
  statementTimeoutMs: number
}

/**
 * The database with `lock_timeout` and `statement_timeout` on every statement:
 * each runs in a transaction that sets them with `SET LOCAL`, so no
 * connection keeps them (transaction poolers hand connections round between
 * statements). An embedded database is returned as it is: it has one
 * connection, so nothing but Parley's own statement before can hold a lock.
 */
export function withStatementTimeouts(database: Database, timeouts: StatementTimeouts): Database {
  if (database.embedded || (timeouts.lockTimeoutMs === 0 && timeouts.statementTimeoutMs === 0)) return database
  // Whole numbers checked by the tracker's options, so they need no quoting.
  const settings = `set local lock_timeout = ${Math.trunc(timeouts.lockTimeoutMs)}; set local statement_timeout = ${Math.trunc(timeouts.statementTimeoutMs)}`
  // The settings travel with the `begin`: one round trip more than a bare statement, not two.
  const transaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => database.transaction(fn, { settings })
  const query: Queryable['query'] = database.queryWithSettings
    ? (sql, params) => database.queryWithSettings!(settings, sql, params)
    : (sql, params) => transaction((tx) => tx.query(sql, params))
  return {
    ...database,
    query,
    exec: (sql) => transaction((tx) => tx.exec(sql)),
    transaction,
    poolStats: database.poolStats?.bind(database),
    listen: database.listen?.bind(database),
    close: () => database.close(),
  }
}
