import type { Database, Queryable } from '../../src/db/database.js'

/**
 * The same database, telling `record` each statement sent through it: alone,
 * with the settings that bound its waits (PostgreSQL), or inside a transaction.
 * A statement goes on once what `record` returns has resolved (a test's gate).
 */
export function recordingDatabase(database: Database, record: (sql: string, params: readonly unknown[]) => unknown): Database {
  return {
    ...database,
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      await record(sql, params)
      return database.query<Row>(sql, params)
    },
    ...(database.queryWithSettings && {
      async queryWithSettings<Row>(settings: string, sql: string, params: readonly unknown[] = []) {
        await record(sql, params)
        return database.queryWithSettings!<Row>(settings, sql, params)
      },
    }),
    transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: { settings?: string }) {
      return database.transaction(
        (tx) =>
          fn({
            exec: (sql) => tx.exec(sql),
            query: async <Row>(sql: string, params: readonly unknown[] = []) => {
              await record(sql, params)
              return tx.query<Row>(sql, params)
            },
          }),
        options,
      )
    },
  }
}
