// Conversations through anything with the tracker's methods (the library, the SDK):
// each starts (untimed), then adds its turns one awaited addMessage after another.
import { randomUUID } from 'node:crypto'
import { timed } from './child.js'
import { messageAt, shares } from './rows.js'

export async function conversations(tracker, { conversations: count, rows }) {
  const sessions = []
  for (let index = 0; index < count; index++) sessions.push((await tracker.startSession({ userId: randomUUID() })).sessionId)
  let next = 0
  return timed(async () => {
    await Promise.all(
      shares(rows, count).map(async (turns, conversation) => {
        for (let turn = 0; turn < turns; turn++) await tracker.addMessage({ sessionId: sessions[conversation], ...messageAt(next++) })
      }),
    )
    return rows
  })
}
