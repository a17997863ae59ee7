// `parley webhooks add|list|revoke` as a user runs them: the real binary,
// beside a running `parley serve` on the same database, on both backends.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachBackend } from './support/backends.js'
import { buildDistIfStale, runCli } from './support/cli.js'
import { serve, stop, type Served } from './support/serve.js'
import { fixtureText, signVapi } from './server/webhooks-support.js'

const SECRET_KEY = randomBytes(32).toString('base64')
const report = fixtureText('real/vapi/2024-03-report-function-call.json')

// Past the server's cache of stored secrets (WEBHOOK_SECRET_CACHE_MS).
const PAST_CACHE_MS = 1000

describeEachBackend('parley webhooks', (backend) => {
  let url: string
  let served: Served | undefined
  const env = { PARLEY_SECRET_KEY: SECRET_KEY }
  const cli = (...args: string[]) => runCli([...args, '--database-url', url], env)
  const deliver = async (secret: string) => {
    const signed = signVapi(report, Date.now(), secret)
    const response = await fetch(`${served!.base}/v1/webhooks/vapi`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body: signed.body })
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } }
  }

  beforeAll(async () => {
    buildDistIfStale()
    url = await backend.freshUrl()
    served = await serve(backend, url, env)
  }, 90_000)
  afterAll(async () => {
    if (served) await stop(served)
  })

  it('add → the running server accepts a signed real report; wrong secret 401; revoke → 401 within a second; list never shows the secret', async () => {
    const secret = `vapi_${randomBytes(16).toString('hex')}`
    expect((await deliver(secret)).status).toBe(401)

    const added = await cli('webhooks', 'add', '--platform', 'vapi', '--secret', secret, '--name', 'prod assistant')
    expect(added.code, added.stderr).toBe(0)
    const id = added.stdout.trim().split('\n').at(-1)!
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(added.stderr).toMatch(/^Added vapi webhook secret [0-9a-f-]{36} \(prod assistant\)/)
    expect(added.stdout + added.stderr).not.toContain(secret)

    await sleep(PAST_CACHE_MS)
    const accepted = await deliver(secret)
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    expect((await deliver(`${secret}0`)).status).toBe(401)

    const listed = await cli('webhooks', 'list')
    expect(listed.code, listed.stderr).toBe(0)
    const [header, row] = listed.stdout.trim().split('\n')
    expect(header).toMatch(/^ID\s+PLATFORM\s+CREATED\s+STATE\s+KEY\s+NAME$/)
    expect(row).toMatch(new RegExp(`^${id}\\s+vapi\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+active\\s+[0-9a-f]{8}\\s+prod assistant$`))
    expect(listed.stdout).not.toContain(secret)

    expect((await deliver(secret)).status).toBe(200)
    const revoked = await cli('webhooks', 'revoke', id)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toContain(`Revoked vapi webhook secret ${id}`)
    await sleep(PAST_CACHE_MS)
    const refused = await deliver(secret)
    expect(refused.status).toBe(401)
    expect(refused.body.error!.code).toBe('WEBHOOK_NOT_CONFIGURED')

    const again = await cli('webhooks', 'revoke', id)
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('already revoked') })
    const json = await cli('webhooks', 'list', '--json')
    expect(JSON.parse(json.stdout)).toEqual([
      { id, platform: 'vapi', name: 'prod assistant', key_id: expect.stringMatching(/^[0-9a-f]{8}$/), created_at: expect.any(String), revoked_at: expect.any(String) },
    ])
    expect(json.stdout).not.toContain(secret)
  }, 120_000)

  it('bad input is one line naming the flag, exit 2, and stores nothing', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['webhooks', 'add', '--platform', 'twilio', '--secret', 's'], env, /^parley: --platform: must be one of vapi, retell, elevenlabs; got "twilio"$/],
      [['webhooks', 'add', '--secret', 's'], env, /^parley: --platform: must be one of vapi, retell, elevenlabs; got ""$/],
      [['webhooks', 'add', '--platform', 'retell', '--secret', ''], env, /^parley: --secret: must not be empty/],
      [['webhooks', 'add', '--platform', 'retell'], env, /^parley: --secret: must not be empty/],
      [['webhooks', 'add', '--platform', 'retell', '--secret', 's', '--name', 'n'.repeat(201)], env, /^parley: --name: is 201 characters/],
      [['webhooks', 'add', '--platform', 'retell', '--secret', 's'], {}, /^parley: PARLEY_SECRET_KEY: is not set; .*openssl rand -base64 32/],
      [['webhooks', 'add', '--platform', 'retell', '--secret', 's'], { PARLEY_SECRET_KEY: 'hunter2' }, /^parley: PARLEY_SECRET_KEY: must be 32 random bytes/],
      [['webhooks', 'revoke', 'not-an-id'], env, /^parley: id: "not-an-id" is not a secret's id/],
      // A server given a malformed key does not start (rather than refusing every stored secret later).
      [['serve', '--port', '0'], { PARLEY_SECRET_KEY: 'correct horse battery staple' }, /^parley: PARLEY_SECRET_KEY: must be 32 random bytes/],
    ]
    const before = JSON.parse((await cli('webhooks', 'list', '--json')).stdout) as unknown[]
    for (const [args, given, message] of cases) {
      const run = await runCli([...args, '--database-url', url], given)
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2)
      expect(run.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)])
      expect(run.stdout).toBe('')
    }
    expect(JSON.parse((await cli('webhooks', 'list', '--json')).stdout)).toEqual(before)
    const unknown = await cli('webhooks', 'revoke', '0190d5a0-0000-7000-8000-000000000000')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr.trim()).toBe('parley: no webhook secret has the id 0190d5a0-0000-7000-8000-000000000000; see parley webhooks list')
  }, 120_000)
})
