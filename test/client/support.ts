// A real server on a backend's migrated database, listening on a free port,
// and a fetch wrapper that counts requests and can fail chosen ones.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import type { TestBackend } from '../support/backends.js'

export interface LiveServer {
  database: Database
  tracker: Tracker
  app: FastifyInstance
  baseUrl: string
  adminKey: string
}

/** Starts the suite's server in beforeAll and closes it after. */
export function liveServer(backend: TestBackend): LiveServer {
  const server = {} as LiveServer
  beforeAll(async () => {
    server.database = await backend.migratedDatabase()
    server.tracker = await createTracker({ database: server.database })
    server.app = await buildApp({ tracker: server.tracker, rateLimit: false })
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' })
    server.baseUrl = address
    server.adminKey = (await createApiKey(server.database, { scope: 'admin' })).key
  })
  afterAll(async () => {
    await server.app?.close()
    await server.tracker?.close()
  })
  return server
}

export interface RecordedCall {
  method: string
  url: string
  body: any
}

/**
 * A `fetch` that records every request; `intercept` may answer instead of the
 * server (return a Response), or after it (`real` sends it, throwing drops the answer).
 */
export function recordingFetch(
  intercept?: (call: RecordedCall, index: number, real: () => Promise<Response>) => Promise<Response | undefined> | undefined,
) {
  const calls: RecordedCall[] = []
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const call = { method: init.method ?? 'GET', url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined }
    calls.push(call)
    const real = () => globalThis.fetch(url, init)
    return (await intercept?.(call, calls.length - 1, real)) ?? real()
  }
  return { fetch, calls, posts: (suffix: string) => calls.filter((call) => call.method === 'POST' && call.url.endsWith(suffix)) }
}

/** A JSON error answer as the server would give it. */
export function errorResponse(status: number, code: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message: `synthetic ${status}`, details: {} } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}
