// The client SDK (ParleyClient) against `parley serve`: 64 conversations, each
// handing the SDK its turns 50 at a time (its default flushAt) and awaiting them.
import { randomUUID } from 'node:crypto'
import { ParleyClient } from '../../dist/client/index.js'
import { runMethod, timed } from '../lib/child.js'
import { messageAt, shares } from '../lib/rows.js'
import { startServe } from '../lib/server.js'

const CONVERSATIONS = 64
const WINDOW = 50

runMethod(async ({ databaseUrl, apiKey, rows }) => {
  const server = await startServe(databaseUrl)
  const client = new ParleyClient({ baseUrl: server.url, apiKey })
  try {
    const sessions = []
    for (let index = 0; index < CONVERSATIONS; index++) sessions.push((await client.startSession({ userId: randomUUID() })).sessionId)
    let next = 0
    const result = await timed(async () => {
      await Promise.all(
        shares(rows, CONVERSATIONS).map(async (count, conversation) => {
          for (let sent = 0; sent < count; sent += WINDOW) {
            const window = Math.min(WINDOW, count - sent)
            await Promise.all(
              Array.from({ length: window }, () => client.addMessage({ sessionId: sessions[conversation], ...messageAt(next++) })),
            )
          }
        }),
      )
      return rows
    })
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await client.shutdown?.()
    await server.stop()
  }
})
