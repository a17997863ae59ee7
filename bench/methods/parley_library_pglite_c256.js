// The same as parley_library_c256 on the embedded database (in memory).
import { createTracker } from '../../dist/index.js'
import { runMethod } from '../lib/child.js'
import { conversations } from '../lib/conversations.js'

runMethod(async ({ seconds }) => {
  const tracker = await createTracker({ database: 'memory:' })
  const result = await conversations(tracker, { conversations: 256, seconds })
  const { rows: counted } = await tracker.database.query('select count(*)::int as n from conversation_messages')
  await tracker.close()
  return { ...result, dbCount: counted[0].n }
})
