// Raw INSERTs into embedded PGlite (the same migrated tables), 1,000 per transaction.
import { migrate, openDatabase } from '../../dist/index.js'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

const PER_TRANSACTION = 1000

runMethod(async ({ seconds }) => {
  const database = await openDatabase('memory:')
  await migrate(database)
  const sessions = await insertSessions((sql, params) => database.query(sql, params), 16)
  const result = await timed(seconds, async (running) => {
    let rows = 0
    while (running()) {
      await database.transaction(async (tx) => {
        for (let index = 0; index < PER_TRANSACTION; index++) {
          await tx.query(PLAIN_INSERT, sqlParamsAt(rows + index, sessions[index % sessions.length]))
        }
      })
      rows += PER_TRANSACTION
    }
    return rows
  })
  const { rows: counted } = await database.query('select count(*)::int as n from conversation_messages')
  await database.close()
  return { ...result, dbCount: counted[0].n }
})
