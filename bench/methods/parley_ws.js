// WebSocket ingest on `parley serve`: 64 sockets, one conversation each, one
// message per frame, the next sent when the last one's ack (after commit) arrives.
import WebSocket from 'ws'
import { runMethod, timed } from '../lib/child.js'
import { startSessions } from '../lib/http-load.js'
import { shares, wireMessageAt } from '../lib/rows.js'
import { startServe } from '../lib/server.js'

const SOCKETS = 64

function openSocket(url, apiKey) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${apiKey}` } })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Sends frames one after another, each once the previous one is acked. */
async function converse(socket, sessionId, first, count) {
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
  for (let index = first; index < first + count; index++) {
    const current = ++ref
    await new Promise((resolve, reject) => {
      acks.set(current, { resolve, reject })
      socket.send(JSON.stringify({ type: 'message.add', ref: current, session_id: sessionId, message: wireMessageAt(index) }))
    })
  }
}

runMethod(async ({ databaseUrl, apiKey, rows }) => {
  const server = await startServe(databaseUrl)
  try {
    const sessions = await startSessions(server.url, apiKey, SOCKETS)
    const sockets = await Promise.all(sessions.map(() => openSocket(server.url, apiKey)))
    let first = 0
    const plan = shares(rows, SOCKETS).map((count) => ({ first: (first += count) - count, count }))
    const result = await timed(async () => {
      await Promise.all(plan.map(({ first, count }, index) => converse(sockets[index], sessions[index], first, count)))
      return rows
    })
    for (const socket of sockets) socket.close()
    return { ...result, serveRssPeakMb: server.peakRssMb() }
  } finally {
    await server.stop()
  }
})
