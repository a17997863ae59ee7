// WebSocket ingest on `parley serve`: 64 sockets, one conversation each, one
// message per frame, the next sent when the last one's ack (after commit) arrives.
import WebSocket from 'ws'
import { runMethod, timed } from '../lib/child.js'
import { startSessions } from '../lib/http-load.js'
import { wireMessageAt } from '../lib/rows.js'
import { startServe } from '../lib/server.js'

const SOCKETS = 64

function openSocket(url, apiKey) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${apiKey}` } })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Sends frames one after another, each once the previous one is acked; resolves with how many were. */
async function converse(socket, sessionId, running) {
  let ref = 0
  const acks = new Map()
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString())
    const waiter = acks.get(frame.ref)
    if (!waiter) return
    acks.delete(frame.ref)
    if (frame.type === 'ack') waiter.resolve()
    else waiter.reject(new Error(`frame ${frame.ref}: ${JSON.stringify(frame)}`))
  })
  while (running()) {
    const current = ++ref
    await new Promise((resolve, reject) => {
      acks.set(current, { resolve, reject })
      socket.send(JSON.stringify({ type: 'message.add', ref: current, session_id: sessionId, message: wireMessageAt(current) }))
    })
  }
  return ref
}

runMethod(async ({ databaseUrl, apiKey, seconds }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, SOCKETS)
    const sockets = await Promise.all(sessions.map(() => openSocket(server.url, apiKey)))
    const result = await timed(seconds, async (running) => {
      const counts = await Promise.all(sockets.map((socket, index) => converse(socket, sessions[index], running)))
      return counts.reduce((sum, count) => sum + count, 0)
    })
    for (const socket of sockets) socket.close()
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
