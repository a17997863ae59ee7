// A WebSocket client for the stream tests: sends frames, waits for the answer
// to a ref or for an event, and records how the socket closed.
import WebSocket from 'ws'

export type Frame = Record<string, any>

export interface StreamClient {
  socket: WebSocket
  /** Every frame received, in order. */
  received: Frame[]
  send(frame: Frame | string): void
  /** Sends a frame with a fresh ref and resolves with the ack or error that answers it. */
  request(frame: Frame): Promise<Frame>
  /** The first received frame (past or future) that matches. */
  next(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>
  /** Resolves with the close code (1006 when the connection just ended). */
  closed: Promise<number>
  close(): Promise<void>
}

let refs = 0

/** Opens a socket; `key` goes into the upgrade's Authorization header when given. */
export async function connectStream(baseUrl: string, options: { key?: string; autoPong?: boolean } = {}): Promise<StreamClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`, {
    ...(options.key && { headers: { authorization: `Bearer ${options.key}` } }),
    ...(options.autoPong === false && { autoPong: false }),
  })
  const received: Frame[] = []
  const waiters = new Set<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }>()
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame
    received.push(frame)
    for (const waiter of waiters) {
      if (waiter.match(frame)) {
        waiters.delete(waiter)
        waiter.resolve(frame)
      }
    }
  })
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)))
  })

  const next = (match: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> => {
    const seen = received.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (frame: Frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`no matching frame within ${timeoutMs} ms; received ${JSON.stringify(received.slice(-5)).slice(0, 2000)}`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  const send = (frame: Frame | string) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  return {
    socket,
    received,
    send,
    next,
    closed,
    request(frame) {
      const ref = `r${++refs}`
      const answer = next((candidate) => candidate.ref === ref && (candidate.type === 'ack' || candidate.type === 'error'))
      send({ ...frame, ref })
      return answer
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return
      socket.close()
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))])
      socket.terminate()
    },
  }
}

/** Resolves with the code the socket closes with, or rejects after `timeoutMs`. */
export function closeCode(client: StreamClient, timeoutMs = 10_000): Promise<number> {
  return Promise.race([
    client.closed,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs)),
  ])
}
