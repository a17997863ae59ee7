// `parley serve` in its own process; 64 clients, one message per POST.
import { runMethod, timed } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

runMethod(async ({ databaseUrl, apiKey, rows }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 64)
    let load
    const result = await timed(async () => {
      load = await postMessages(server.url, apiKey, { sessions, requests: rows, perRequest: 1, connections: 64 })
      return load.rows
    })
    return { ...result, serveRssPeakMb: server.peakRssMb(), latencyP99Ms: load.latencyP99Ms }
  } finally {
    await server.stop()
  }
})
