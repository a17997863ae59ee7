// `parley serve` in its own process; 100 messages per POST, 16 clients.
import { runMethod } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

runMethod(async ({ databaseUrl, apiKey, seconds }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 16)
    const result = await postMessages(server.url, apiKey, { sessions, perRequest: 100, connections: 16, seconds })
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
