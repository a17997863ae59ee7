// The seed's pattern: one awaited INSERT per message on one connection.
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

runMethod(async ({ databaseUrl, seconds }) => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const sessions = await insertSessions((sql, params) => client.query(sql, params), 16)
  const result = await timed(seconds, async (running) => {
    let rows = 0
    while (running()) await client.query(PLAIN_INSERT, sqlParamsAt(rows, sessions[rows++ % sessions.length]))
    return rows
  })
  await client.end()
  return result
})
