// A tiny HTTP proxy in front of the real server that can misbehave per request:
// forward it and then cut the connection (the server committed, the client
// never hears), or answer 503/429 itself. WebSocket upgrades are relayed too,
// and `frames` can drop a server frame the same way (after the server sent it,
// so after its commit), closing both sockets.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'

export type ProxyAction = 'forward' | 'drop-after-commit' | 'drop-before' | { status: number; retryAfter?: string }

/** What happens to one frame from the server: passed on, or lost with both sockets. */
export type FrameAction = 'forward' | 'drop-after-commit'

export interface FaultyProxy {
  url: string
  /** Every request seen, as `METHOD path`. */
  seen: string[]
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Starts the proxy; `decide` picks what happens to each request (its index
 * counts from 0), `frames` to each frame a WebSocket server sends (default:
 * forward all).
 */
export async function faultyProxy(
  target: string,
  decide: (request: string, index: number) => ProxyAction,
  frames: (frame: string) => FrameAction = () => 'forward',
): Promise<FaultyProxy> {
  const seen: string[] = []
  const server = createServer(async (request, response) => {
    const label = `${request.method} ${request.url}`
    const action = decide(label, seen.length)
    seen.push(label)
    const body = await readBody(request)
    if (action === 'drop-before') return request.socket.destroy()
    if (typeof action === 'object') {
      response.writeHead(action.status, {
        'content-type': 'application/json',
        ...(action.retryAfter !== undefined && { 'retry-after': action.retryAfter }),
      })
      return response.end(JSON.stringify({ error: { code: action.status === 429 ? 'RATE_LIMITED' : 'DATABASE_UNAVAILABLE', message: 'from the proxy', details: {} } }))
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>
    let answer: Response
    let text: string
    try {
      answer = await fetch(`${target}${request.url}`, {
        method: request.method!,
        headers,
        ...(body.length > 0 && { body: body.toString('utf8') }),
      })
      text = await answer.text()
    } catch {
      // The server is unreachable: so is the proxy, as far as the client can tell.
      return request.socket.destroy()
    }
    if (action === 'drop-after-commit') return request.socket.destroy()
    response.writeHead(answer.status, Object.fromEntries(answer.headers))
    response.end(text)
  })
  const sockets = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    seen.push(`UPGRADE ${request.url}`)
    sockets.handleUpgrade(request, socket, head, (client) => relay(client, new WebSocket(`${target.replace(/^http/, 'ws')}${request.url}`), frames))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate()
        sockets.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Frames both ways between the client and the server; the client's wait until the server's socket is open. */
function relay(client: WebSocket, upstream: WebSocket, frames: (frame: string) => FrameAction): void {
  const early: string[] = []
  const cut = () => {
    client.terminate()
    upstream.terminate()
  }
  upstream.on('open', () => {
    for (const frame of early.splice(0)) upstream.send(frame)
  })
  client.on('message', (data) => {
    const frame = String(data)
    if (upstream.readyState === WebSocket.OPEN) upstream.send(frame)
    else early.push(frame)
  })
  upstream.on('message', (data) => {
    const frame = String(data)
    if (frames(frame) === 'drop-after-commit') return cut()
    client.send(frame)
  })
  client.on('close', cut)
  upstream.on('close', cut)
  client.on('error', cut)
  upstream.on('error', cut)
}
