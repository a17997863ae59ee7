// The embedded database while `parley serve` holds it: the other commands
// reach it through the server's socket. Also the embedded folder's own
// mistakes, and a port already in use, each one line and exit 2.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sharedSocketPath } from '../../src/db/pglite/shared-socket.js'
import { migrations } from '../../src/migrations/generated.js'
import { buildDistIfStale, runCli } from '../support/cli.js'
import { serve, stop, type Served } from '../support/serve.js'

const pglite = { name: 'pglite' as const }

describe('the embedded database shared by parley serve and the CLI', () => {
  let dir: string
  let dataDir: string
  let url: string
  let served: Served | undefined

  beforeAll(async () => {
    buildDistIfStale()
    dir = mkdtempSync(join(tmpdir(), 'parley-shared-'))
    dataDir = join(dir, 'db')
    url = `pglite:${dataDir}`
    served = await serve(pglite, url)
  }, 90_000)

  afterAll(async () => {
    if (served) await stop(served)
    rmSync(dir, { recursive: true, force: true })
  })

  it('keys create prints a key that the running server accepts; the socket is the owner’s only', async () => {
    expect(statSync(sharedSocketPath(dataDir)).mode & 0o777).toBe(0o600)
    const created = await runCli(['keys', 'create', '--scope', 'read', '--database-url', url])
    expect(created.stderr).toMatch(/^Created read key pk_[0-9a-f]{8}/)
    expect(created.code).toBe(0)
    const key = created.stdout.trim().split('\n').at(-1)!
    const listed = await fetch(`${served!.base}/v1/sessions`, { headers: { authorization: `Bearer ${key}` } })
    expect(listed.status).toBe(200)
    const wrong = await fetch(`${served!.base}/v1/sessions`, { headers: { authorization: `Bearer ${key}x` } })
    expect(wrong.status).toBe(401)

    const keys = await runCli(['keys', 'list', '--database-url', url])
    expect(keys.code).toBe(0)
    expect(keys.stdout).toContain(key.slice(0, 11))
    // A key revoked before its first use (the server caches a used one for 10 s).
    const other = (await runCli(['keys', 'create', '--scope', 'read', '--database-url', url])).stdout.trim().split('\n').at(-1)!
    const revoked = await runCli(['keys', 'revoke', other.slice(0, 11), '--database-url', url])
    expect(revoked.code).toBe(0)
    expect((await fetch(`${served!.base}/v1/sessions`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(401)
  }, 60_000)

  it('demo, export, import, doctor and migrate --dry-run work against it', async () => {
    const demo = await runCli(['demo', '--database-url', url])
    expect(demo.code, demo.stderr).toBe(0)
    const sessionId = /Stored 8 messages of session ([0-9a-f-]{36})/.exec(demo.stderr + demo.stdout)![1]!
    const out = join(dir, 'export.json')
    const exported = await runCli(['export', '--session', sessionId, '--out', out, '--database-url', url])
    expect(exported.code, exported.stderr).toBe(0)
    const imported = await runCli(['import', '--from', 'parley', out, '--database-url', url])
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout + imported.stderr).toMatch(/unchanged|0 new/i)
    const doctor = await runCli(['doctor', '--database-url', url])
    expect(doctor).toMatchObject({ code: 0 })
    const plan = await runCli(['migrate', '--dry-run', '--database-url', url])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('up to date')
    // What the CLI wrote is what the server serves.
    const admin = await runCli(['keys', 'create', '--scope', 'admin', '--database-url', url])
    const key = admin.stdout.trim().split('\n').at(-1)!
    const messages = await fetch(`${served!.base}/v1/sessions/${sessionId}/messages`, { headers: { authorization: `Bearer ${key}` } })
    expect(((await messages.json()) as { messages: unknown[] }).messages).toHaveLength(8)
  }, 120_000)

  it('a port in use is one line naming it and --port, exit 2, and no admin key for a server that did not start', async () => {
    const port = new URL(served!.base).port
    const run = await runCli(['serve', '--database-url', 'memory:', '--port', port])
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toEqual([
      `parley: port ${port} on 127.0.0.1 is already in use by another process; stop it, or choose another with --port (or PORT)`,
    ])
    expect(run.stdout + run.stderr).not.toContain('pk_')
  }, 60_000)

  it('once the server has stopped, the CLI opens the folder itself', async () => {
    expect(await stop(served!)).toBe(0)
    served = undefined
    expect(existsSync(sharedSocketPath(dataDir))).toBe(false)
    const keys = await runCli(['keys', 'list', '--json', '--database-url', url])
    expect(keys.code, keys.stderr).toBe(0)
    expect(JSON.parse(keys.stdout).length).toBeGreaterThanOrEqual(3)
  }, 60_000)
})

describe('embedded folders that cannot be, or hold no database', () => {
  let dir: string
  beforeAll(() => {
    buildDistIfStale()
    dir = mkdtempSync(join(tmpdir(), 'parley-folders-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('an impossible path is one line, exit 2, at once', async () => {
    const started = Date.now()
    const run = await runCli(['migrate', '--database-url', 'pglite:/proc/nope/db'])
    expect(Date.now() - started).toBeLessThan(5000)
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'parley: database: cannot create the embedded database folder /proc/nope/db (ENOENT); choose a folder you can write to, such as pglite:./.parley/db\n',
    )
  })

  it('the commands that only read say there is no database, and create nothing', async () => {
    const missing = join(dir, 'mistyped')
    for (const args of [['doctor'], ['export', '--format', 'jsonl'], ['keys', 'list'], ['keys', 'revoke', 'pk_0123abcd']]) {
      const run = await runCli([...args, '--database-url', `pglite:${missing}`])
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr, args.join(' ')).toBe(
        `parley: no Parley database at ${missing}; check the path, or create it with \`parley migrate --database-url pglite:${missing}\`\n`,
      )
    }
    expect(existsSync(missing)).toBe(false)
  })

  it('migrate --dry-run on a folder with no database yet prints what migrate would apply there, and creates nothing', async () => {
    const fresh = join(dir, 'not-yet')
    const run = await runCli(['migrate', '--dry-run', '--database-url', `pglite:${fresh}`])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^-- no Parley database at ${fresh} yet: \`parley migrate\` would create one there and apply these ${migrations.length} migrations\n`))
    for (const migration of migrations) expect(run.stdout).toContain(`-- migration ${migration.version}: ${migration.name}\n${migration.sql.trim()}\n`)
    const json = await runCli(['migrate', '--dry-run', '--json', '--database-url', `pglite:${fresh}`])
    expect(JSON.parse(json.stdout)).toEqual({ pending: [...migrations], applied: [], exists: false })
    expect(existsSync(fresh)).toBe(false)
    // An empty folder is no database either: it stays empty.
    mkdirSync(fresh)
    expect((await runCli(['migrate', '--dry-run', '--database-url', `pglite:${fresh}`])).code).toBe(0)
    expect(readdirSync(fresh)).toEqual([])
  })

  it('a folder with other files in it is refused, and nothing is written there', async () => {
    const home = join(dir, 'home')
    mkdirSync(home)
    writeFileSync(join(home, 'notes.txt'), 'mine')
    const run = await runCli(['migrate', '--database-url', `pglite:${home}`])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/is a folder with other files in it \(notes\.txt\) and no database; .*use a new or empty one/)
    expect(existsSync(join(home, 'PG_VERSION'))).toBe(false)
  })
})
