// HTTP load on a running `parley serve`: sessions started first (untimed), then
// as many POSTs as fit in the time, from a fixed number of keep-alive
// connections, each waiting for its answer (after commit) before the next.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { timed } from './child.js'
import { wireMessageAt } from './rows.js'

/** One POST on a keep-alive agent; resolves with the parsed answer, rejects on any non-2xx. */
function post(agent, baseUrl, apiKey, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}${path}`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    })
    request.on('response', (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        if (response.statusCode >= 200 && response.statusCode < 300) resolve(text)
        else reject(new Error(`POST ${path}: ${response.statusCode} ${text.slice(0, 300)}`))
      })
    })
    request.on('error', reject)
    request.end(body)
  })
}

export function httpClient(baseUrl, apiKey, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  return {
    post: (path, body) => post(agent, baseUrl, apiKey, path, typeof body === 'string' ? body : JSON.stringify(body)),
    close: () => agent.destroy(),
  }
}

export async function startSessions(baseUrl, apiKey, count) {
  const client = httpClient(baseUrl, apiKey, 1)
  const ids = []
  for (let index = 0; index < count; index++) {
    ids.push(JSON.parse(await client.post('/v1/sessions', { user_id: randomUUID() })).session_id)
  }
  client.close()
  return ids
}

/**
 * `connections` clients, each on its own session, POST `perRequest` messages
 * at a time for `seconds`; resolves with the timing and the messages acknowledged.
 */
export async function postMessages(baseUrl, apiKey, { sessions, perRequest, connections, seconds }) {
  const bodies = Array.from({ length: 200 }, (_, body) =>
    JSON.stringify({ messages: Array.from({ length: perRequest }, (_, index) => wireMessageAt(body * perRequest + index)) }),
  )
  const client = httpClient(baseUrl, apiKey, connections)
  try {
    return await timed(seconds, async (running) => {
      let rows = 0
      let sent = 0
      await Promise.all(
        Array.from({ length: connections }, async (_, connection) => {
          const path = `/v1/sessions/${sessions[connection % sessions.length]}/messages`
          while (running()) {
            await client.post(path, bodies[sent++ % bodies.length])
            rows += perRequest
          }
        }),
      )
      return rows
    })
  } finally {
    client.close()
  }
}
