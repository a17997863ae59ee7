// What a new user tripped over: messages that pointed at the wrong thing or
// said too little, each now saying what to do.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { ParleyClient } from '../../src/client/index.js'
import { ValidationError } from '../../src/model/errors.js'
import { buildApp } from '../../src/server/app.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { captureContext } from '../support/cli.js'

describe('the CLI says what it means', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-messages-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('--version prints the package version', async () => {
    const context = captureContext()
    expect(await main(['--version'], context)).toBe(0)
    expect(context.out().trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('a repeated --from is refused instead of the last one winning', async () => {
    const context = captureContext()
    expect(await main(['import', '--from', 'vapi', '--from', 'retell', 'call.json'], context)).toBe(2)
    expect(context.err()).toContain('--from given twice ("vapi", "retell"): give it once')
  })

  it('keys list has a header; keys revoke takes the whole key and says when it was already revoked', async () => {
    const url = `pglite:${join(dir, 'keys')}`
    const created = captureContext()
    expect(await main(['keys', 'create', '--scope', 'read', '--database-url', url], created)).toBe(0)
    const key = created.out().trim()
    const listed = captureContext()
    expect(await main(['keys', 'list', '--database-url', url], listed)).toBe(0)
    expect(listed.out().split('\n')[0]).toMatch(/^PREFIX\s+SCOPE\s+USER\s+STATE\s+NAME$/)
    const first = captureContext()
    expect(await main(['keys', 'revoke', key, '--database-url', url], first)).toBe(0)
    expect(first.out()).toBe(`Revoked ${key.slice(0, 11)}\n`)
    const again = captureContext()
    expect(await main(['keys', 'revoke', key.slice(0, 11), '--database-url', url], again)).toBe(0)
    expect(again.out()).toMatch(new RegExp(`^${key.slice(0, 11)} was already revoked \\(.+\\); nothing changed\\n$`))
  }, 60_000)

  it('one --database-url for every command, before or after its name, and DIRECT_URL read in the same place', async () => {
    const context = captureContext({ DIRECT_URL: 'pglite:/proc/nope/direct' })
    // migrate goes through DIRECT_URL when it is set: the impossible folder proves which one it used.
    expect(await main(['--database-url', 'memory:', 'migrate'], context)).toBe(2)
    expect(context.err()).toContain('/proc/nope/direct')
  })
})

describe('the SDK and the HTTP API say what to do', () => {
  let tracker: Tracker
  beforeAll(async () => {
    tracker = await createTracker({ database: 'memory:' })
  })
  afterAll(async () => tracker?.close())

  it('the SDK without a key fails at once instead of sending Bearer undefined', () => {
    const make = () => new ParleyClient({ baseUrl: 'http://127.0.0.1:1', apiKey: process.env.NO_SUCH_PARLEY_KEY as string })
    expect(make).toThrow(ValidationError)
    expect(make).toThrow(/apiKey: is missing/)
  })

  it('a bad audio URL is shown a real example, not the README’s placeholder', async () => {
    const { sessionId } = await tracker.startSession({})
    const error = await tracker.addMessage({ sessionId, role: 'user', content: 'x', audioUrl: 'turn.wav' }).catch((e: unknown) => e)
    expect((error as Error).message).toContain('such as https://cdn.example.com/calls/turn-1.wav')
    expect((error as Error).message).not.toContain('…')
  })

  it('active must be "true" or "false"; a POST without content-type says to send JSON', async () => {
    const app = await buildApp({ tracker })
    try {
      const { key } = await createApiKey(tracker.database, { scope: 'admin' })
      const authorization = `Bearer ${key}`
      const listed = await app.inject({ method: 'GET', url: '/v1/sessions?active=yes', headers: { authorization } })
      expect(listed.statusCode).toBe(400)
      expect(listed.json().error.message).toBe('active: must be "true" or "false"')
      const bare = await app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization }, payload: Buffer.from('{}') })
      expect(bare.statusCode).toBe(415)
      expect(bare.json().error.message).toMatch(/^send the body as JSON with content-type: application\/json \((no content-type header was sent|got content-type: .+)\)$/)
    } finally {
      await app.close()
    }
  })
})
