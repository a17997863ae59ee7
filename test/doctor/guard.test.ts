import { beforeAll, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import type { Queryable } from '../../src/db/database.js'
import type { SchemaReport } from '../../src/doctor/compare.js'
import { UnavailableError } from '../../src/model/errors.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createTracker, type TrackerOptions } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { captureContext, runCli } from '../support/cli.js'
import { buildDistIfStale, doctorJson, fixtures, rowsOf, seedRows, type Fixture } from './support.js'

const versions = migrations.map((migration) => migration.version)
const pending = (from: number) => migrations.filter((m) => m.version >= from).map(({ version, name }) => ({ version, name }))

beforeAll(buildDistIfStale)

async function refusal(options: TrackerOptions): Promise<UnavailableError & { details: { report: SchemaReport } }> {
  const error = await createTracker(options).then(
    async (tracker) => {
      await tracker.close()
      return undefined
    },
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(UnavailableError)
  expect(error).toMatchObject({ code: 'SCHEMA_MISMATCH' })
  return error as UnavailableError & { details: { report: SchemaReport } }
}

async function tablesOf(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select tablename as name from pg_tables where schemaname = current_schema() order by tablename`,
  )
  return rows.map((row) => row.name)
}

async function historyOf(db: Queryable) {
  return (await db.query('select version, name, checksum, applied_at from parley.migrations order by version')).rows
}

/** A tracker that works: a seed-style conversation goes in and comes back. */
async function converse(options: TrackerOptions): Promise<void> {
  const tracker = await createTracker(options)
  try {
    const session = await tracker.startSession({ userId: 'e0000000-0000-4000-8000-00000000000e' })
    await tracker.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Hello' })
    await tracker.addMessage({ sessionId: session.sessionId, role: 'assistant', content: 'Hi there.' })
    expect(await tracker.endSession(session.sessionId)).toMatchObject({ messageCount: 2 })
    expect((await tracker.listMessages(session.sessionId)).map((m) => m.content)).toEqual(['Hello', 'Hi there.'])
  } finally {
    await tracker.close()
  }
}

describeEachBackend('the startup guard', (backend) => {
  const open = fixtures(backend)

  it('refuses a drifted database even with migrate: true, names the problem and `parley doctor --fix-sql`, and writes nothing', async () => {
    const fixture = await open()
    await migrate(fixture.db)
    await seedRows(fixture.db)
    // The seed's own failure: the code writes a column the database lacks.
    await fixture.db.exec('alter table conversation_messages drop column metadata')
    const before = { rows: await rowsOf(fixture.db), history: await historyOf(fixture.db) }
    await fixture.whileClosed(async () => {
      for (const migrateOption of [undefined, false, true]) {
        const error = await refusal({ database: fixture.url, migrate: migrateOption })
        expect(error.message, `migrate: ${migrateOption}`).toContain('missing column conversation_messages.metadata')
        expect(error.message).toContain('`parley doctor --fix-sql`')
        expect(error.details.report.ok).toBe(false)
      }
    })
    expect({ rows: await rowsOf(fixture.db), history: await historyOf(fixture.db) }).toEqual(before)
  })

  if (backend.name === 'postgres') {
    it('refuses an unmigrated PostgreSQL naming `parley migrate`, creates nothing; migrate: true migrates and works', async () => {
      const fixture = await open()
      const error = await refusal({ database: fixture.url })
      expect(error.message).toContain('`parley migrate`')
      expect(error.details.report.pendingMigrations).toEqual(pending(1))
      expect(await tablesOf(fixture.db)).toEqual([])

      await converse({ database: fixture.url, migrate: true })
      expect(await doctorJson(fixture)).toEqual({ code: 0, json: { ok: true, problems: [], pending_migrations: [] } })
    })

    it('refuses a partly migrated PostgreSQL naming `parley migrate`, applies nothing; migrate: true finishes it', async () => {
      const fixture = await open()
      await migrate(fixture.db, migrations.slice(0, 2))
      const history = await historyOf(fixture.db)
      const error = await refusal({ database: fixture.url, migrate: false })
      expect(error.message).toContain('`parley migrate`')
      expect(error.details.report.pendingMigrations).toEqual(pending(3))
      expect(await historyOf(fixture.db)).toEqual(history)

      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      expect(json.pending_migrations).toEqual(pending(3))

      await converse({ database: fixture.url, migrate: true })
      expect((await historyOf(fixture.db)).map((row) => row.version)).toEqual(versions)
    })
  }

  if (backend.name === 'pglite') {
    it('lets an unmigrated embedded database migrate itself', async () => {
      const fixture = await open()
      const { code, json } = await doctorJson(fixture)
      expect(code).toBe(1)
      expect(json.pending_migrations).toEqual(pending(1))
      expect(json.problems).toContainEqual(expect.objectContaining({ kind: 'missing_table', table: 'conversation_sessions' }))

      await fixture.whileClosed(() => converse({ database: fixture.url }))
      expect(await doctorJson(fixture)).toEqual({ code: 0, json: { ok: true, problems: [], pending_migrations: [] } })
    })
  }
})

describeEachBackend('parley doctor when it cannot check', (backend) => {
  const open = fixtures(backend)

  function expectOneLine(run: { code: number; out: string; err: string }, message: RegExp, what: string) {
    expect(run.code, what).toBe(2)
    expect(run.out, what).toBe('')
    expect(run.err, what).toMatch(/^parley: /)
    expect(run.err, what).toMatch(message)
    expect(run.err.trim().split('\n'), what).toHaveLength(1)
    expect(run.err, what).not.toMatch(/\n\s+at /)
  }

  if (backend.name === 'postgres') {
    it('exits 2 with one line for an unreachable host, an unknown role and a missing database', async () => {
      const cases: Array<[string, RegExp]> = [
        ['postgres://postgres@127.0.0.1:1/x', /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/x: nothing accepts connections/],
        ['postgres://no_such_role_doctor@127.0.0.1:5432/postgres', /refused the login/],
        ['postgres://postgres:s3cret@127.0.0.1:5432/no_such_database_doctor', /no_such_database_doctor/],
      ]
      for (const [url, message] of cases) {
        for (const args of [[], ['--json'], ['--fix-sql']]) {
          const run = await runCli(['doctor', '--database-url', url, ...args])
          expectOneLine({ code: run.code, out: run.stdout, err: run.stderr }, message, `${url} ${args.join(' ')}`)
          expect(run.stderr).not.toContain('s3cret')
        }
      }
    })
  }

  if (backend.name === 'pglite') {
    it('exits 2 with one line for a folder another process (or this one) has open', async () => {
      const fixture: Fixture = await open()
      const context = captureContext()
      const code = await main(['doctor', '--database-url', fixture.url, '--json'], context)
      expectOneLine({ code, out: context.out(), err: context.err() }, /already open in this process/, 'in-process')
      const run = await runCli(['doctor', '--database-url', fixture.url])
      expectOneLine({ code: run.code, out: run.stdout, err: run.stderr }, /already open in process \d+/, 'binary')
    })
  }
})
