// An application inserting each message itself: 16 concurrent writers, one INSERT each.
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, shares, sqlParamsAt } from '../lib/rows.js'

const WRITERS = 16

runMethod(async ({ databaseUrl, rows }) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: WRITERS })
  const sessions = await insertSessions((sql, params) => pool.query(sql, params), WRITERS)
  const result = await timed(async () => {
    let next = 0
    await Promise.all(
      shares(rows, WRITERS).map(async (count, writer) => {
        for (let turn = 0; turn < count; turn++) await pool.query(PLAIN_INSERT, sqlParamsAt(next++, sessions[writer]))
      }),
    )
    return rows
  })
  await pool.end()
  return result
})
