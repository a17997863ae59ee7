// The client SDK (ParleyClient) against `parley serve`: 64 conversations, each
// handing the SDK its turns 50 at a time (its default flushAt) and awaiting them.
import { randomUUID } from 'node:crypto'
import { ParleyClient } from '../../dist/client/index.js'
import { runMethod, timed } from '../lib/child.js'
import { messageAt } from '../lib/rows.js'
import { startServe } from '../lib/server.js'

const CONVERSATIONS = 64
const WINDOW = 50

runMethod(async ({ databaseUrl, apiKey, seconds }) => {
  const server = await startServe(databaseUrl)
  const client = new ParleyClient({ baseUrl: server.url, apiKey })
  try {
    const sessions = []
    for (let index = 0; index < CONVERSATIONS; index++) sessions.push((await client.startSession({ userId: randomUUID() })).sessionId)
    let next = 0
    const result = await timed(seconds, async (running) => {
      let rows = 0
      await Promise.all(
        sessions.map(async (sessionId) => {
          while (running()) {
            await Promise.all(Array.from({ length: WINDOW }, () => client.addMessage({ sessionId, ...messageAt(next++) })))
            rows += WINDOW
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
