// A tiny HTTP proxy in front of the real server that can misbehave per request:
// forward it and then cut the connection (the server committed, the client
// never hears), or answer 503/429 itself.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ProxyAction = 'forward' | 'drop-after-commit' | 'drop-before' | { status: number; retryAfter?: string }

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

/** Starts the proxy; `decide` picks what happens to each request (its index counts from 0). */
export async function faultyProxy(target: string, decide: (request: string, index: number) => ProxyAction): Promise<FaultyProxy> {
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
    const answer = await fetch(`${target}${request.url}`, {
      method: request.method!,
      headers,
      ...(body.length > 0 && { body: body.toString('utf8') }),
    })
    const text = await answer.text()
    if (action === 'drop-after-commit') return request.socket.destroy()
    response.writeHead(answer.status, Object.fromEntries(answer.headers))
    response.end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
