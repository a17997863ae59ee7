// Secure by default on PGlite and on plain PostgreSQL, where Supabase's API
// roles may not exist: the migration must not fail, and PUBLIC (any other
// login on the server) reaches nothing internal.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/open-database.js'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createApiKey, listApiKeys } from '../../src/tracker/api-keys.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { internalReachability, lint0011, lint0013, migrateLikeOlderParley } from './support.js'

const errors = (report: Awaited<ReturnType<typeof checkSchema>>) =>
  report.problems.filter((p) => p.severity === 'error').map((p) => [p.kind, p.table, p.name].filter(Boolean).join(' '))

describeEachBackend('secure by default', (backend) => {
  it('migrates with or without the API roles; PUBLIC reaches nothing internal; the lints report nothing', async () => {
    const db = await backend.migratedDatabase()
    const reach = await internalReachability(db, ['public'])
    expect(reach.checked).toBeGreaterThanOrEqual(13)
    expect(reach.reachable).toEqual([])
    expect(await lint0011(db)).toEqual([])
    expect(await lint0013(db)).toEqual([])
    expect(errors(await checkSchema(db))).toEqual([])
  })

  it('the start-up guard refuses to serve while anyone else may write the internals, and names the fix', async () => {
    const db = await backend.migratedDatabase()
    await db.exec('grant insert, update on parley.api_keys to public')
    const refused = await createTracker({ database: db, migrate: false }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    )
    expect(refused?.code).toBe('SCHEMA_MISMATCH')
    expect(refused?.message).toMatch(/parley\.api_keys/)
    expect(refused?.message).toContain('`parley doctor --fix-sql`')
    await db.exec(buildFixSql(await checkSchema(db), expectedSchema, db.description))
    const tracker = await createTracker({ database: db, migrate: false })
    await tracker.close()
  })

  it('the doctor reports each security drift by name and its fix SQL repairs it, touching no row', async () => {
    const db = await backend.migratedDatabase()
    await db.query(`insert into conversation_sessions (user_id) values ($1)`, [randomUUID()])
    await db.exec(`alter table conversation_sessions disable row level security;
      drop policy conversation_messages_select_own on conversation_messages;
      alter policy conversation_sessions_update_own on conversation_sessions using (true);
      grant all on parley.api_keys to public;
      grant execute on function parley.insert_messages(jsonb, boolean) to public;
      alter function parley.session_before_write() reset search_path;
      alter function parley.message_before_write() security invoker;`)
    const report = await checkSchema(db)
    expect(report.ok).toBe(false)
    expect(errors(report)).toEqual(
      expect.arrayContaining([
        'rls_disabled conversation_sessions',
        'missing_policy conversation_messages conversation_messages_select_own',
        'policy_mismatch conversation_sessions conversation_sessions_update_own',
        'privilege_granted table parley.api_keys PUBLIC',
        'privilege_granted function parley.insert_messages(jsonb,boolean) PUBLIC',
        'function_search_path_mutable parley.session_before_write()',
        'function_security_mismatch parley.message_before_write()',
      ]),
    )
    const rows = (await db.query('select * from conversation_sessions')).rows
    const sql = buildFixSql(report, expectedSchema, db.description)
    await db.exec(sql)
    await db.exec(sql)
    expect(errors(await checkSchema(db))).toEqual([])
    expect((await db.query('select * from conversation_sessions')).rows).toEqual(rows)
  })

  it('parley.webhook_secrets has RLS on and is closed to PUBLIC; the doctor reports RLS off or a grant on it, and its fix SQL restores both', async () => {
    const db = await backend.migratedDatabase()
    const rls = await db.query<{ on: boolean }>(`select relrowsecurity as on from pg_class where oid = 'parley.webhook_secrets'::regclass`)
    expect(rls.rows).toEqual([{ on: true }])
    expect((await internalReachability(db, ['public'])).reachable.filter((object) => object.includes('webhook_secrets'))).toEqual([])
    await db.exec(`alter table parley.webhook_secrets disable row level security;
      grant select on parley.webhook_secrets to public;`)
    const report = await checkSchema(db)
    expect(errors(report)).toEqual(expect.arrayContaining(['rls_disabled parley.webhook_secrets', 'privilege_granted table parley.webhook_secrets PUBLIC']))
    await db.exec(buildFixSql(report, expectedSchema, db.description))
    expect(errors(await checkSchema(db))).toEqual([])
    expect((await db.query<{ on: boolean }>(`select relrowsecurity as on from pg_class where oid = 'parley.webhook_secrets'::regclass`)).rows).toEqual([{ on: true }])
  })

  it('upgrades a database an older Parley migrated to 12 in place, keeping every key and the history', async () => {
    const { database: db } = await backend.emptyDatabase()
    await migrateLikeOlderParley(db, 12)
    const { apiKey } = await createLegacyKey(db)
    const history = (await db.query('select version, name, checksum, applied_at from parley_migrations order by version')).rows
    const result = await migrate(db)
    expect(result.alreadyApplied).toEqual(migrations.slice(0, 12).map((m) => m.version))
    expect(result.applied.map((m) => m.version)).toEqual(migrations.slice(12).map((m) => m.version))
    expect((await db.query('select version, name, checksum, applied_at from parley.migrations where version <= 12 order by version')).rows).toEqual(history)
    expect((await listApiKeys(db)).map((key) => key.prefix)).toEqual([apiKey])
    expect(errors(await checkSchema(db))).toEqual([])
    expect((await migrate(db)).applied).toEqual([])
  })
})

describe('on PGlite with the API roles present', () => {
  it('anon reads and writes nothing; a signed-in user only their own rows; counts hold', async () => {
    const db = await openDatabase('memory:')
    try {
      await db.exec(`create role anon nologin noinherit; create role authenticated nologin noinherit;
        create role service_role nologin noinherit bypassrls;`)
      await migrate(db)
      const [alice, bob] = [randomUUID(), randomUUID()]
      const asUser = async (role: string, sub: string | null, sql: string, params: unknown[] = []) =>
        db.transaction(async (tx) => {
          await tx.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [
            role,
            JSON.stringify(sub ? { sub, role } : { role }),
          ])
          return (await tx.query(sql, params)).rows
        })
      const [bobSession] = await asUser('authenticated', bob, 'insert into conversation_sessions (user_id) values ($1) returning session_id', [bob])
      await asUser('authenticated', bob, `insert into conversation_messages (session_id, role, content) values ($1, 'user', 'hi')`, [bobSession!.session_id])
      await expect(asUser('anon', null, 'select * from conversation_sessions')).rejects.toThrow(/permission denied/)
      await expect(asUser('anon', null, 'select * from parley.api_keys')).rejects.toThrow(/permission denied/)
      expect(await asUser('authenticated', alice, 'select * from conversation_messages')).toEqual([])
      await expect(
        asUser('authenticated', alice, `insert into conversation_messages (session_id, role, content) values ($1, 'user', 'x')`, [bobSession!.session_id]),
      ).rejects.toThrow(/row-level security/)
      expect(await asUser('authenticated', bob, 'select message_count, user_id from conversation_sessions')).toEqual([{ message_count: 1, user_id: bob }])
      expect((await internalReachability(db, ['public', 'anon', 'authenticated', 'service_role'])).reachable).toEqual([])
    } finally {
      await db.close()
    }
  })
})

async function createLegacyKey(db: Parameters<typeof createApiKey>[0]): Promise<{ apiKey: string }> {
  await db.query(`insert into parley_api_keys (prefix, key_hash, scope) values ('0ld0ld00', 'hash', 'admin')`)
  return { apiKey: '0ld0ld00' }
}
