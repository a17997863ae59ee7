// `parley serve` in its own process; 100 messages per POST, 16 clients.
import { runMethod, timed } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

const PER_REQUEST = 100

runMethod(async ({ databaseUrl, apiKey, rows }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 64)
    const requests = Math.ceil(rows / PER_REQUEST)
    const result = await timed(async () => (await postMessages(server.url, apiKey, { sessions, requests, perRequest: PER_REQUEST, connections: 16 })).rows)
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
