import { chmodSync, existsSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { UnavailableError } from '../../model/errors.js'
import type { Database, Queryable, QueryResult } from '../database.js'
import { translateError } from '../translate-error.js'
import type { PGliteLike } from './pglite-database.js'

/** The socket beside the data folder's lock, through which a running `parley serve` shares its embedded database. */
export const SOCKET_FILE = '.s.parley'

/** Where the socket of the embedded database in `dataDir` lives. */
export function sharedSocketPath(dataDir: string): string {
  return join(dataDir, SOCKET_FILE)
}

type Request =
  | { op: 'query'; sql: string; params?: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'begin' }
  | { op: 'commit' }
  | { op: 'rollback' }

interface DriverErrorFields {
  code?: string
  message: string
  column?: string
  constraint?: string
  detail?: string
}

type Response = { ok: true; rows: unknown[] } | { ok: false; error: DriverErrorFields }

// A transaction left open this long by a client holds the server's only connection: it is rolled back.
const IDLE_SOCKET_MS = 30_000

/**
 * Serves `pglite` to other processes of this user on a Unix socket (mode
 * 0600), so that the CLI works while `parley serve` holds the folder. Frames
 * are length-prefixed `v8.serialize` values, so dates and big integers arrive
 * as they left. Each socket is one session: its transaction holds PGlite's
 * single connection, as one of the server's own would, and is rolled back if
 * the socket goes away. Resolves to the function that stops serving.
 */
export async function shareDatabase(pglite: PGliteLike, path: string): Promise<() => Promise<void>> {
  // The caller holds the folder's lock, so a socket file here was left by a dead process.
  if (existsSync(path)) unlinkSync(path)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    serveSession(pglite, socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  try {
    chmodSync(path, 0o600)
  } catch (error) {
    // Linux cuts a socket path past 108 bytes: the file is elsewhere, so nobody could reach it.
    server.close()
    throw error
  }
  server.unref()
  return async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

function serveSession(pglite: PGliteLike, socket: Socket): void {
  let tx: { target: Queryable & { query: PGliteLike['query'] }; finish: (commit: boolean) => Promise<void> } | undefined
  let chain = Promise.resolve()
  socket.setTimeout(IDLE_SOCKET_MS, () => socket.destroy())
  socket.once('close', () => void tx?.finish(false).catch(() => {}))

  const handle = async (request: Request): Promise<unknown[]> => {
    if (request.op === 'begin') {
      tx = await beginTransaction(pglite)
      return []
    }
    if (request.op === 'commit' || request.op === 'rollback') {
      const current = tx
      tx = undefined
      await current?.finish(request.op === 'commit')
      return []
    }
    const target = tx?.target ?? pglite
    if (request.op === 'exec') {
      await target.exec(request.sql)
      return []
    }
    return (await target.query(request.sql, request.params)).rows
  }

  readFrames(socket, (request: Request) => {
    chain = chain.then(async () => {
      let response: Response
      try {
        response = { ok: true, rows: await handle(request) }
      } catch (error) {
        response = { ok: false, error: errorFields(error) }
      }
      if (!socket.destroyed) socket.write(frame(response))
    })
  })
}

// PGlite runs a transaction inside a callback; the socket's begin and commit arrive as separate frames.
async function beginTransaction(pglite: PGliteLike) {
  let started: (tx: Queryable & { query: PGliteLike['query'] }) => void = () => {}
  let settle: (commit: boolean) => void = () => {}
  const ready = new Promise<Queryable & { query: PGliteLike['query'] }>((resolve) => (started = resolve))
  const rollback = Symbol('rollback')
  const done = pglite
    .transaction(async (tx) => {
      const commit = await new Promise<boolean>((resolve) => {
        settle = resolve
        started(tx as Queryable & { query: PGliteLike['query'] })
      })
      if (!commit) throw rollback
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error
    })
  // A failed BEGIN rejects `done` before `ready` resolves.
  const target = await Promise.race([ready, done.then(() => Promise.reject(new Error('the transaction ended before it began')))])
  return {
    target,
    finish: async (commit: boolean) => {
      settle(commit)
      await done
    },
  }
}

function errorFields(error: unknown): DriverErrorFields {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : undefined)
  return {
    message: text('message') ?? String(error),
    ...(text('code') && { code: text('code') }),
    ...(text('column') && { column: text('column') }),
    ...(text('constraint') && { constraint: text('constraint') }),
    ...(text('detail') && { detail: text('detail') }),
  }
}

function frame(value: unknown): Buffer {
  const body = serialize(value)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length)
  return Buffer.concat([header, body])
}

function readFrames(socket: Socket, onFrame: (value: never) => void): void {
  let buffered = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0)
      if (buffered.length < 4 + length) break
      const body = buffered.subarray(4, 4 + length)
      buffered = buffered.subarray(4 + length)
      onFrame(deserialize(body) as never)
    }
  })
}

/**
 * Opens the embedded database that a running `parley serve` shares on the
 * socket at `path`, or resolves to undefined when nothing answers there.
 */
export async function connectShared(path: string, description: string): Promise<Database | undefined> {
  const socket = await new Promise<Socket | undefined>((resolve) => {
    const attempt = createConnection(path)
    attempt.once('connect', () => resolve(attempt))
    attempt.once('error', () => resolve(undefined))
  })
  if (!socket) return undefined
  const waiting: Array<{ resolve: (rows: unknown[]) => void; reject: (error: unknown) => void }> = []
  let closed = false
  const fail = (error: unknown) => {
    for (const pending of waiting.splice(0)) pending.reject(error)
  }
  socket.on('error', () => {})
  socket.once('close', () => {
    closed = true
    fail(new UnavailableError('DATABASE_UNAVAILABLE', `${description}: the server sharing it went away`))
  })
  readFrames(socket, (response: Response) => {
    const pending = waiting.shift()
    if (response.ok) pending?.resolve(response.rows)
    else pending?.reject(translateError(Object.assign(new Error(response.error.message), response.error), description))
  })
  const send = (request: Request): Promise<unknown[]> => {
    if (closed) return Promise.reject(new UnavailableError('DATABASE_CLOSED', `${description} is closed`))
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject })
      socket.write(frame(request))
    })
  }
  const on = (): Queryable => ({
    query: async <Row>(sql: string, params?: readonly unknown[]) =>
      ({ rows: (await send({ op: 'query', sql, ...(params && { params: [...params] }) })) as Row[] }) as QueryResult<Row>,
    async exec(sql) {
      await send({ op: 'exec', sql })
    },
  })
  // The socket is one session: statements outside a transaction wait until it ends, so none slips into it.
  let exclusive: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const result = exclusive.then(work)
    exclusive = result.catch(() => {})
    return result
  }
  const outside = on()
  return {
    description: `${description} (shared by the running server)`,
    embedded: true,
    maxConcurrentWrites: 1,
    query: (sql, params) => serial(() => outside.query(sql, params)),
    exec: (sql) => serial(() => outside.exec(sql)),
    transaction: (fn) =>
      serial(async () => {
        await send({ op: 'begin' })
        try {
          const result = await fn(on())
          await send({ op: 'commit' })
          return result
        } catch (error) {
          await send({ op: 'rollback' }).catch(() => {})
          throw error
        }
      }),
    async close() {
      if (closed) return
      closed = true
      socket.end()
    },
  }
}
