// Peak resident memory of `parley serve` while 256 conversations post their
// messages at once (one message per POST, 256 connections).
import { runMethod } from '../lib/child.js'
import { postMessages, startSessions } from '../lib/http-load.js'
import { startServe } from '../lib/server.js'

runMethod(async ({ databaseUrl, apiKey, seconds }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, 256)
    const result = await postMessages(server.url, apiKey, { sessions, perRequest: 1, connections: 256, seconds })
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
