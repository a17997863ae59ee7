// addMessage latency at a steady offered 1,000 messages/s from 100 conversations.
import { randomUUID } from 'node:crypto'
import { createTracker } from '../../dist/index.js'
import { runMethod } from '../lib/child.js'
import { openLoop } from '../lib/open-loop.js'
import { messageAt } from '../lib/rows.js'

runMethod(async ({ databaseUrl, rate, seconds }) => {
  const tracker = await createTracker({ database: databaseUrl })
  const sessions = []
  for (let index = 0; index < 100; index++) sessions.push((await tracker.startSession({ userId: randomUUID() })).sessionId)
  // Warm the connections and the function's cached plan, as a running service has them.
  await Promise.all(sessions.map((sessionId, index) => tracker.addMessage({ sessionId, ...messageAt(index) })))
  const result = await openLoop({
    rate,
    seconds,
    call: (index) => tracker.addMessage({ sessionId: sessions[index % sessions.length], ...messageAt(index) }),
  })
  await tracker.close()
  return { ...result, rows: result.rows + sessions.length }
})
