// HTTP load on a running `parley serve`: sessions started first (untimed), then
// a fixed number of POSTs from many connections (autocannon).
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import { wireMessageAt } from './rows.js'

async function call(baseUrl, apiKey, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

export async function startSessions(baseUrl, apiKey, count) {
  const ids = []
  for (let index = 0; index < count; index++) {
    ids.push((await call(baseUrl, apiKey, '/v1/sessions', { user_id: randomUUID() })).session_id)
  }
  return ids
}

/** POSTs `requests` bodies of `perRequest` messages over `connections`; resolves with the messages acknowledged. */
export async function postMessages(baseUrl, apiKey, { sessions, requests, perRequest, connections }) {
  const bodies = Array.from({ length: Math.min(requests, 500) }, (_, body) =>
    JSON.stringify({ messages: Array.from({ length: perRequest }, (_, index) => wireMessageAt(body * perRequest + index)) }),
  )
  let next = 0
  const result = await autocannon({
    url: baseUrl,
    connections,
    amount: requests,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const index = next++
          return {
            ...request,
            path: `/v1/sessions/${sessions[index % sessions.length]}/messages`,
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: bodies[index % bodies.length],
          }
        },
      },
    ],
  })
  const failed = result.non2xx + result.errors + result.timeouts
  if (failed > 0) throw new Error(`${failed} of ${requests} requests failed (non-2xx ${result.non2xx}, errors ${result.errors})`)
  return { rows: result['2xx'] * perRequest, latencyP99Ms: result.latency.p99 }
}
