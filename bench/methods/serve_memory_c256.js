// Peak resident memory of `parley serve` while 256 conversations post their
// messages at once (one message per POST, 256 connections).
import { runMethod, timed } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

runMethod(async ({ databaseUrl, apiKey, rows }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 256)
    const result = await timed(async () => (await postMessages(server.url, apiKey, { sessions, requests: rows, perRequest: 1, connections: 256 })).rows)
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
