// An application inserting each message itself: 16 concurrent writers, one INSERT each.
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

const WRITERS = 16

runMethod(async ({ databaseUrl, seconds }) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: WRITERS })
  const sessions = await insertSessions((sql, params) => pool.query(sql, params), WRITERS)
  const result = await timed(seconds, async (running) => {
    let rows = 0
    await Promise.all(
      sessions.map(async (session) => {
        while (running()) await pool.query(PLAIN_INSERT, sqlParamsAt(rows++, session))
      }),
    )
    return rows
  })
  await pool.end()
  return result
})
