// The real binary over a real socket: first-start key, `parley keys`, and a
// SIGTERM under load that loses no acknowledged message.
import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { beforeAll, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { describeEachBackend, type TestBackend } from '../support/backends.js'
import { captureContext, runCli } from '../support/cli.js'
import { buildDistIfStale, uuidv4, uuidv7 } from './support.js'
import { serve, stop } from '../support/serve.js'
import { until } from '../support/until.js'

const KEY = /^pk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether a new connection to the server is refused: it has stopped listening. */
function refused(base: string): Promise<boolean> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

/** A POST whose body is sent in two halves: the first once the server has the headers, the second by `finish()`. */
function slowPost(url: string, headers: Record<string, string>, body: string) {
  const payload = Buffer.from(body)
  const request = httpRequest(url, {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'content-length': String(payload.length), expect: '100-continue' },
  })
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.once('response', (response) => {
      let text = ''
      response.on('data', (chunk) => (text += chunk))
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
    })
    request.once('error', reject)
  })
  const continued = new Promise<void>((resolve) =>
    request.once('continue', () => {
      request.write(payload.subarray(0, 10))
      resolve()
    }),
  )
  request.flushHeaders()
  return {
    continued,
    finish() {
      request.end(payload.subarray(10))
      return answer
    },
  }
}

describeEachBackend('parley serve and parley keys, through the binary', (backend) => {
  let url: string
  let adminKey: string
  let sessionId: string
  /** Every message id a 201 acknowledged, with its content. */
  const acknowledged = new Map<string, string>()
  const keys = { ingest: '', userRead: '' }
  const user = uuidv4()

  beforeAll(async () => {
    buildDistIfStale()
    url = await backend.freshUrl()
  })

  it('first start prints an admin key once, serves with it, and on SIGTERM under load exits 0 having lost no acknowledged message', async () => {
    const served = await serve(backend, url)
    try {
      const printed = served.stderr().match(/pk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/g)
      expect(printed, served.stderr()).toHaveLength(1)
      adminKey = printed![0]!
      expect(served.stderr()).toMatch(/shown only this once/)
      // The key is for a person: never in the JSON log.
      expect(served.stdout()).not.toContain(adminKey)

      const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
      const started = await fetch(`${served.base}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ user_id: user }) })
      expect(started.status).toBe(201)
      sessionId = ((await started.json()) as { session_id: string }).session_id
      expect((await fetch(`${served.base}/healthz`)).status).toBe(200)

      // Waves of single and batched POSTs keep coming until the process is gone.
      const outcomes: Array<Promise<void>> = []
      const statuses = new Map<string, number>()
      const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1)
      const send = (wave: number, index: number) => {
        const messages = Array.from({ length: index % 4 === 0 ? 3 : 1 }, (_, turn) => ({
          id: uuidv7(),
          role: turn % 2 ? 'assistant' : 'user',
          content: `wave ${wave} request ${index} turn ${turn}`,
        }))
        const body = messages.length === 1 ? messages[0] : { messages }
        return fetch(`${served.base}/v1/sessions/${sessionId}/messages`, { method: 'POST', headers, body: JSON.stringify(body) }).then(
          async (response) => {
            count(String(response.status))
            if (response.status !== 201) return void (await response.text())
            const stored = ((await response.json()) as { messages: Array<{ id: string }> }).messages
            expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id))
            for (const message of messages) acknowledged.set(message.id, message.content)
          },
          () => void count('network error'),
        )
      }
      let pending = 0
      const load = (async () => {
        for (let wave = 0; served.child.exitCode === null && wave < 400; wave++) {
          // At most ~100 in flight, so that the slower embedded database is loaded, not swamped.
          for (let index = 0; index < 20 && pending < 100; index++) {
            pending++
            outcomes.push(send(wave, index).finally(() => pending--))
          }
          await sleep(15)
        }
      })()
      await until(() => acknowledged.size >= 60, 'first acknowledgements')

      // One request in flight across the signal: the server has its headers (it said 100 Continue)
      // and half its body when SIGTERM arrives, and the rest only once it accepts no new connections.
      const lateId = uuidv7()
      const slow = slowPost(`${served.base}/v1/sessions/${sessionId}/messages`, headers, JSON.stringify({ id: lateId, role: 'user', content: 'in flight' }))
      await slow.continued
      served.child.kill('SIGTERM')
      await until(async () => (await refused(served.base)) || served.child.exitCode !== null, 'the listener to close')
      const late = await slow.finish()
      expect(late.status, late.body).toBe(201)
      acknowledged.set(lateId, 'in flight')

      await load
      await Promise.all(outcomes)
      expect(await served.exited).toBe(0)
      expect(served.stdout()).toMatch(/"signal":"SIGTERM"/)
      // Refused, never failed: 201 before the end, then 503 or a closed socket.
      expect([...statuses.keys()].filter((status) => !['201', '503', 'network error'].includes(status)), JSON.stringify([...statuses])).toEqual([])
    } finally {
      await stop(served)
    }
  })

  it('parley keys: create prints the key last on stdout, list shows keys without secrets, revoke; a bad scope is one line and exit 2', async () => {
    const created = await runCli(['keys', 'create', '--scope', 'ingest', '--name', 'voice-bot', '--database-url', url])
    expect(created.code, created.stderr).toBe(0)
    keys.ingest = created.stdout.trimEnd().split('\n').at(-1)!
    expect(keys.ingest).toMatch(KEY)
    const ingestPrefix = keys.ingest.slice(3, 11)
    expect(created.stderr).toContain(`Created ingest key pk_${ingestPrefix}`)

    const bound = captureContext()
    expect(await main(['keys', 'create', '--scope', 'read', '--user-id', user, '--database-url', url], bound), bound.err()).toBe(0)
    keys.userRead = bound.out().trimEnd().split('\n').at(-1)!
    expect(keys.userRead).toMatch(KEY)
    expect(bound.err()).toContain(`for user ${user}`)

    const revoke = captureContext()
    expect(await main(['keys', 'revoke', `pk_${ingestPrefix}`, '--database-url', url], revoke), revoke.err()).toBe(0)
    expect(revoke.out()).toBe(`Revoked pk_${ingestPrefix}\n`)

    const list = captureContext()
    expect(await main(['keys', 'list', '--database-url', url], list)).toBe(0)
    const lines = list.out().trimEnd().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^PREFIX\s+SCOPE\s+USER\s+STATE\s+NAME$/)
    const line = (key: string) => lines.find((text) => text.startsWith(`${key.slice(0, 11)} `)) ?? ''
    expect(line(adminKey)).toMatch(/^pk_[0-9a-f]{8}\s+admin\s+any user\s+active\s+first start$/)
    expect(line(keys.ingest)).toMatch(/^pk_[0-9a-f]{8}\s+ingest\s+any user\s+revoked \d{4}-\d\d-\d\dT[\d:.]+Z\s+voice-bot$/)
    expect(line(keys.userRead)).toMatch(new RegExp(`^pk_[0-9a-f]{8}\\s+read\\s+${user}\\s+active$`))
    for (const secret of [adminKey, keys.ingest, keys.userRead]) {
      expect(list.out()).not.toContain(secret.slice(12))
      expect(list.out()).not.toContain(createHash('sha256').update(secret).digest('hex'))
    }

    const wrong = await runCli(['keys', 'create', '--scope', 'owner', '--database-url', url])
    expect(wrong.code).toBe(2)
    expect(wrong.stdout).toBe('')
    expect(wrong.stderr.trimEnd().split('\n')).toEqual(['parley: scope: must be one of ingest, read, admin; got "owner"'])
    const badUser = captureContext()
    expect(await main(['keys', 'create', '--scope', 'read', '--user-id', 'bob', '--database-url', url], badUser)).toBe(2)
    expect(badUser.err().trimEnd().split('\n')).toEqual([expect.stringMatching(/^parley: user_id: /)])
  })

  it('second start prints no key; every acknowledged message is stored; the revoked key gets 401; SIGTERM exits 0', async () => {
    expect(acknowledged.size).toBeGreaterThanOrEqual(60)
    const served = await serve(backend, url)
    try {
      expect(served.stderr()).not.toMatch(/pk_[0-9a-f]{8}_|admin key/)
      const get = (path: string, key: string) => fetch(`${served.base}${path}`, { headers: { authorization: `Bearer ${key}` } })

      const stored = new Map<string, string>()
      let after = ''
      for (let page = 0; page < 100; page++) {
        const response = await get(`/v1/sessions/${sessionId}/messages?limit=1000${after && `&after=${after}`}`, adminKey)
        expect(response.status).toBe(200)
        const body = (await response.json()) as { messages: Array<{ id: string; content: string }>; next_cursor: string | null }
        for (const message of body.messages) stored.set(message.id, message.content)
        if (!body.next_cursor) break
        after = body.next_cursor
      }
      const lost = [...acknowledged].filter(([id, content]) => stored.get(id) !== content)
      expect(lost, `${lost.length} of ${acknowledged.size} acknowledged messages are missing`).toEqual([])

      expect((await get('/v1/sessions', keys.ingest)).status).toBe(401)
      const mine = await get('/v1/sessions', keys.userRead)
      expect(mine.status).toBe(200)
      expect(((await mine.json()) as { sessions: Array<{ session_id: string }> }).sessions.map((s) => s.session_id)).toEqual([sessionId])
    } finally {
      expect(await stop(served)).toBe(0)
    }
  })
})
