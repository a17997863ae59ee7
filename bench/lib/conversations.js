// Conversations through anything with the tracker's methods (the library, the SDK):
// each starts (untimed), then adds its turns one awaited addMessage after another.
import { randomUUID } from 'node:crypto'
import { timed } from './child.js'
import { messageAt } from './rows.js'

export async function conversations(tracker, { conversations: count, seconds }) {
  const sessions = []
  for (let index = 0; index < count; index++) sessions.push((await tracker.startSession({ userId: randomUUID() })).sessionId)
  let next = 0
  return timed(seconds, async (running) => {
    let rows = 0
    await Promise.all(
      sessions.map(async (sessionId) => {
        while (running()) {
          await tracker.addMessage({ sessionId, ...messageAt(next++) })
          rows++
        }
      }),
    )
    return rows
  })
}
