// Raw INSERTs into embedded PGlite (the same migrated tables), 1,000 per transaction.
import { migrate, openDatabase } from '../../dist/index.js'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, PLAIN_INSERT, sqlParamsAt } from '../lib/rows.js'

const PER_TRANSACTION = 1000

runMethod(async ({ rows }) => {
  const database = await openDatabase('memory:')
  await migrate(database)
  const sessions = await insertSessions((sql, params) => database.query(sql, params), 16)
  const result = await timed(async () => {
    for (let first = 0; first < rows; first += PER_TRANSACTION) {
      await database.transaction(async (tx) => {
        for (let index = first; index < Math.min(rows, first + PER_TRANSACTION); index++) {
          await tx.query(PLAIN_INSERT, sqlParamsAt(index, sessions[index % sessions.length]))
        }
      })
    }
    return rows
  })
  const { rows: counted } = await database.query('select count(*)::int as n from conversation_messages')
  await database.close()
  return { ...result, dbCount: counted[0].n }
})
