import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { migrations } from '../src/migrations/generated.js'
import { captureContext, expectDemoEnded, runCli } from './support/cli.js'

describe('parley CLI', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-cli-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints help for the program and each command, exit 0', async () => {
    const root = captureContext()
    expect(await main(['--help'], root)).toBe(0)
    expect(root.out()).toMatch(/migrate[\s\S]*demo/)
    for (const args of [['migrate', '--help'], ['demo', '--help']]) {
      const context = captureContext()
      expect(await main(args, context)).toBe(0)
      expect(context.out()).toContain('--database-url')
    }
  })

  it('refuses an unknown option or command with exit 2', async () => {
    const context = captureContext()
    expect(await main(['migrate', '--bogus'], context)).toBe(2)
    expect(context.err()).toContain("unknown option '--bogus'")
    expect(await main(['fly'], captureContext())).toBe(2)
  })

  it('plays the demo on the embedded database and prints the four kinds of seed lines', async () => {
    const context = captureContext()
    const started = Date.now()
    expect(await main(['demo', '--database-url', `pglite:${join(dir, 'demo')}`], context)).toBe(0)
    const tookSeconds = (Date.now() - started) / 1000
    const lines = context
      .out()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg)
    expect(lines[0]).toMatch(/^✅ Started session [0-9a-f]{8}\.\.\. for user [0-9a-f]{8}\.\.\.$/)
    expect(lines).toContainEqual(expect.stringMatching(/^✅ Saved user message for session [0-9a-f]{8}\.\.\.$/))
    expect(lines).toContainEqual(expect.stringMatching(/^✅ Saved assistant message for session [0-9a-f]{8}\.\.\.$/))
    expectDemoEnded(lines.at(-1), tookSeconds)
    expect(lines).toHaveLength(10)
  })

  it('takes DATABASE_URL when no flag is given', async () => {
    const context = captureContext({ DATABASE_URL: 'memory:' })
    expect(await main(['migrate'], context)).toBe(0)
    expect(context.out()).toContain('Applied migration 1')
    expect(context.out()).toContain('in-memory')
  })

  it('answers a bad URL, a refused connection, an unknown role and a missing database with one line and exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      ['mysql://localhost/db', /unsupported database URL/],
      ['postgres://[bad', /not a valid URL/],
      ['postgres://postgres@127.0.0.1:1/postgres', /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/postgres: nothing accepts connections/],
      ['postgres://no_such_role_x@127.0.0.1:5432/postgres', /refused the login/],
      ['postgres://postgres:s3cret@127.0.0.1:5432/no_such_database_x', /no_such_database_x/],
    ]
    for (const [url, message] of cases) {
      const run = await runCli(['migrate', '--database-url', url])
      expect(run.code, url).toBe(2)
      expect(run.stderr, url).toMatch(message)
      expect(run.stderr.trim().split('\n'), url).toHaveLength(1)
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(run.stderr).not.toContain('s3cret')
    }
  })

  it('the binary migrates twice: the second time there is nothing to do', async () => {
    const url = `pglite:${join(dir, 'twice')}`
    const first = await runCli(['migrate', '--database-url', url])
    expect(first).toMatchObject({ code: 0 })
    const versions = migrations.map((migration) => migration.version)
    expect(versions.length).toBeGreaterThanOrEqual(8)
    for (const version of versions) expect(first.stdout).toContain(`Applied migration ${version}`)
    const second = await runCli(['migrate', '--database-url', url, '--json'])
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual({ applied: [], already_applied: versions })
  })
})
