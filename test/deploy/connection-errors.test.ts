// Every way a connection can fail, against real servers: a SCRAM-only
// throwaway cluster, another that accepts TLS only, and the plain shared one.
// Each failure is one line naming the URL (never its password) and what to
// do, exit 2, no stack trace, within 5 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_URL } from '../support/backends.js'
import { buildDistIfStale, runCli } from '../support/cli.js'
import { missingTools, startCluster, type Cluster } from '../support/throwaway.js'

const skip = missingTools()

describe.skipIf(skip !== undefined)('connection errors, one clear line each', () => {
  let scram: Cluster
  let tls: Cluster
  beforeAll(async () => {
    buildDistIfStale()
    scram = await startCluster()
    tls = await startCluster({ tlsOnly: true })
  }, 120_000)
  afterAll(() => {
    scram?.stop()
    tls?.stop()
  })

  const expectOneLine = async (url: string, expected: RegExp) => {
    const started = Date.now()
    const run = await runCli(['doctor', '--database-url', url])
    const elapsed = Date.now() - started
    expect(run.code).toBe(2)
    expect(elapsed).toBeLessThan(5000)
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(expected)
    expect(run.stderr).not.toMatch(/secret|wrong-password|\n\s+at |SECURITY WARNING/)
    return lines[0]!
  }

  it('no password under SCRAM', async () => {
    await expectOneLine(`postgres://parley@127.0.0.1:${scram.port}/parley`, /^parley: cannot connect to postgres:\/\/parley@127\.0\.0\.1:\d+\/parley: .*has none; put it in the URL .* or set PGPASSWORD$/)
  })
  it('wrong password', async () => {
    await expectOneLine(`postgres://parley:wrong-password@127.0.0.1:${scram.port}/parley`, /^parley: cannot connect to postgres:\/\/parley:\*\*\*@127\.0\.0\.1:\d+\/parley: the password was refused; check the user and password/)
  })
  it('unknown host', async () => {
    await expectOneLine(`postgres://parley:secret@no-such-host.invalid:5432/parley`, /^parley: cannot connect to postgres:\/\/parley:\*\*\*@no-such-host\.invalid:5432\/parley: the host name does not resolve; check the host/)
  })
  it('refused port', async () => {
    await expectOneLine(`postgres://parley:secret@127.0.0.1:1/parley`, /cannot connect to postgres:\/\/parley:\*\*\*@127\.0\.0\.1:1\/parley: nothing accepts connections .*is PostgreSQL running there/)
  })
  it('TLS required by the server', async () => {
    await expectOneLine(`postgres://parley:secret@127.0.0.1:${tls.port}/parley`, /cannot connect to postgres:\/\/parley:\*\*\*@127\.0\.0\.1:\d+\/parley: the server accepts only TLS connections; add \?sslmode=require/)
  })
  it('TLS refused by the server', async () => {
    await expectOneLine(`${ADMIN_URL.replace(/\/[^/]*$/, '/postgres')}?sslmode=require`, /cannot connect to postgres:.*sslmode=require.*: the server does not accept TLS; remove sslmode/)
  })
  it('the right password with sslmode=require reaches the TLS-only server, without a SECURITY WARNING', async () => {
    const run = await runCli(['doctor', '--database-url', `postgres://parley:secret@127.0.0.1:${tls.port}/parley?sslmode=require`])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(1) // connected: an empty database has pending migrations
    expect(run.stdout).toMatch(/pending/i)
  })

  it('database missing', async () => {
    await expectOneLine(`postgres://parley:secret@127.0.0.1:${scram.port}/nope`, /cannot connect to postgres:\/\/parley:\*\*\*@127\.0\.0\.1:\d+\/nope: the database does not exist .*; create it/)
  })
})
