// `parley serve` in its own process; 64 clients, one message per POST.
import { runMethod } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

runMethod(async ({ databaseUrl, apiKey, seconds }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 64)
    const result = await postMessages(server.url, apiKey, { sessions, perRequest: 1, connections: 64, seconds })
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
