// A plain INSERT round trip at the same offered load, on a pool of the
// tracker's default size (10). With `plainTable`, into a copy of the messages
// table without Parley's triggers and foreign key: the round trip an
// application would see on a table of its own.
import pg from 'pg'
import { runMethod } from '../lib/child.js'
import { openLoop } from '../lib/open-loop.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

export const PLAIN_TABLE = 'bench_plain_messages'

runMethod(async ({ databaseUrl, rate, seconds, plainTable }) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 })
  const sessions = await insertSessions((sql, params) => pool.query(sql, params), 100)
  let insert = PLAIN_INSERT
  if (plainTable) {
    await pool.query(`create table ${PLAIN_TABLE} (like conversation_messages including defaults including indexes)`)
    insert = PLAIN_INSERT.replace('conversation_messages', PLAIN_TABLE)
  }
  await Promise.all(sessions.map((session, index) => pool.query(insert, sqlParamsAt(index, session))))
  const result = await openLoop({
    rate,
    seconds,
    call: (index) => pool.query(insert, sqlParamsAt(index, sessions[index % sessions.length])),
  })
  await pool.end()
  return { ...result, rows: result.rows + sessions.length, ...(plainTable && { table: PLAIN_TABLE }) }
})
