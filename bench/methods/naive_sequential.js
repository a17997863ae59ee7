// The seed's pattern: one awaited INSERT per message on one connection.
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

runMethod(async ({ databaseUrl, rows }) => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const sessions = await insertSessions((sql, params) => client.query(sql, params), 16)
  const result = await timed(async () => {
    for (let index = 0; index < rows; index++) await client.query(PLAIN_INSERT, sqlParamsAt(index, sessions[index % sessions.length]))
    return rows
  })
  await client.end()
  return result
})
