// Parley on a database set up the way Supabase sets one up, reached the way
// Supabase's REST API reaches it (test/support/supabase-like.ts).
import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/open-database.js'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createApiKey, listApiKeys } from '../../src/tracker/api-keys.js'
import { secretKeyFromBytes } from '../../src/tracker/secret-box.js'
import { createTracker } from '../../src/tracker/tracker.js'
import { addWebhookSecret } from '../../src/tracker/webhook-secrets.js'
import { asRestUser, canStartCluster, inCI, startSupabaseLike, type SupabaseLike } from '../support/supabase-like.js'
import { internalReachability, lint0011, lint0013, migrateLikeOlderParley } from './support.js'

const runnable = canStartCluster()
if (!runnable && inCI) throw new Error('CI must run the Supabase-like suite: initdb/pg_ctl of PostgreSQL 15 not found (set PG_BIN)')

describe.skipIf(!runnable)('secure by default on a Supabase-like database', () => {
  let cluster: SupabaseLike
  let ownerUrl: string
  let restUrl: string
  const alice = randomUUID()
  const bob = randomUUID()
  let aliceSession: string
  let bobSession: string

  beforeAll(async () => {
    cluster = await startSupabaseLike()
    const name = await cluster.createDatabase()
    ownerUrl = cluster.url('postgres', name)
    restUrl = cluster.url('authenticator', name)
    const tracker = await createTracker({ database: ownerUrl, migrate: true })
    try {
      aliceSession = (await tracker.startSession({ userId: alice })).sessionId
      bobSession = (await tracker.startSession({ userId: bob })).sessionId
      await tracker.addMessage({ sessionId: aliceSession, role: 'user', content: 'alice says hi' })
      await tracker.addMessage({ sessionId: bobSession, role: 'user', content: 'bob says hi' })
    } finally {
      await tracker.close()
    }
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  })

  const owner = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: ownerUrl })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }

  it('runs Parley as `postgres`, which is not a superuser there', async () => {
    const { rows } = await owner((c) => c.query(`select rolsuper, rolbypassrls from pg_roles where rolname = current_user`))
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: true }])
    expect((await owner((c) => checkSchema(wrap(c)))).problems.filter((p) => p.severity === 'error')).toEqual([])
  })

  it('anon sees nothing and changes nothing', async () => {
    for (const sql of [
      'select * from conversation_sessions',
      'select * from conversation_messages',
      `insert into conversation_sessions (user_id) values ('${bob}')`,
      `insert into conversation_messages (session_id, role, content) values ('${bobSession}', 'user', 'x')`,
      `update conversation_sessions set metadata = '{"x":1}'`,
      'delete from conversation_messages',
    ]) {
      await expect(asRestUser(restUrl, 'anon', (c) => c.query(sql)), sql).rejects.toThrow(/permission denied/)
    }
  })

  it('a signed-in user reads only their own sessions and messages', async () => {
    const rows = await asRestUser(restUrl, { sub: alice }, async (c) => ({
      sessions: (await c.query('select session_id, user_id from conversation_sessions')).rows,
      messages: (await c.query('select content from conversation_messages')).rows,
    }))
    expect(rows.sessions).toEqual([{ session_id: aliceSession, user_id: alice }])
    expect(rows.messages).toEqual([{ content: 'alice says hi' }])
  })

  it("a signed-in user cannot touch another user's session or messages", async () => {
    await expect(
      asRestUser(restUrl, { sub: alice }, (c) =>
        c.query(`insert into conversation_messages (session_id, role, content) values ($1, 'user', 'injected')`, [bobSession]),
      ),
    ).rejects.toThrow(/row-level security/)
    await expect(
      asRestUser(restUrl, { sub: alice }, (c) => c.query(`insert into conversation_sessions (user_id) values ($1)`, [bob])),
    ).rejects.toThrow(/row-level security/)
    const changed = await asRestUser(restUrl, { sub: alice }, async (c) => ({
      ended: (await c.query(`update conversation_sessions set is_active = false where session_id = $1`, [bobSession])).rowCount,
      deleted: await c.query('delete from conversation_messages').then(() => 'deleted', (e: Error) => e.message),
    }))
    expect(changed.ended).toBe(0)
    expect(changed.deleted).toMatch(/permission denied/)
    await expect(
      asRestUser(restUrl, { sub: alice }, (c) => c.query(`update conversation_sessions set user_id = $1 where session_id = $2`, [bob, aliceSession])),
    ).rejects.toThrow(/row-level security/)
    const bobs = await owner((c) => c.query('select is_active, message_count from conversation_sessions where session_id = $1', [bobSession]))
    expect(bobs.rows).toEqual([{ is_active: true, message_count: 1 }])
  })

  it('no internal object is reachable by the API roles', async () => {
    const reachable = await owner((c) => internalReachability(wrap(c), ['anon', 'authenticated', 'service_role']))
    expect(reachable.checked).toBeGreaterThanOrEqual(13)
    expect(reachable.reachable).toEqual([])
    // Not even by name through the API: the schema is closed.
    await expect(asRestUser(restUrl, 'service_role', (c) => c.query('select * from parley.api_keys'))).rejects.toThrow(/permission denied/)
    await expect(
      asRestUser(restUrl, { sub: alice }, (c) => c.query(`select parley.adjust_message_counts(array[$1::uuid], array[1000::bigint])`, [aliceSession])),
    ).rejects.toThrow(/permission denied/)
  })

  it('the API roles cannot read or write the stored webhook secrets, even by name', async () => {
    const db = await openDatabase(ownerUrl)
    try {
      await addWebhookSecret(db, secretKeyFromBytes(randomBytes(32)), { platform: 'vapi', secret: 'supabase-test-secret', name: 'prod' })
    } finally {
      await db.close()
    }
    for (const who of ['anon', { sub: alice }, 'service_role'] as const) {
      for (const sql of [
        'select * from parley.webhook_secrets',
        `insert into parley.webhook_secrets (id, platform, sealed_secret, key_id) values (gen_random_uuid(), 'vapi', 'v1.a.b.c', 'x')`,
        'update parley.webhook_secrets set revoked_at = null',
      ]) {
        await expect(asRestUser(restUrl, who, (c) => c.query(sql)), `${JSON.stringify(who)}: ${sql}`).rejects.toThrow(/permission denied/)
      }
    }
    const reachable = await owner((c) => internalReachability(wrap(c), ['anon', 'authenticated', 'service_role']))
    expect(reachable.reachable).toEqual([])
  })

  it("the Advisor's lints 0011 and 0013 report nothing", async () => {
    expect(await owner((c) => lint0011(wrap(c)))).toEqual([])
    expect(await owner((c) => lint0013(wrap(c)))).toEqual([])
  })

  for (const who of ['service_role', 'authenticated'] as const) {
    it(`the old code's three REST writes as ${who} leave consistent rows`, async () => {
      const user = randomUUID()
      const as = who === 'service_role' ? 'service_role' : { sub: user }
      const started = new Date(Date.now() - 5_000).toISOString()
      const { rows } = await asRestUser(restUrl, as, (c) =>
        c.query(
          `insert into conversation_sessions (user_id, started_at, session_start, is_active, topics_discussed)
           values ($1, $2, $2, true, '{}') returning session_id`,
          [user, started],
        ),
      )
      const sessionId = rows[0].session_id as string
      for (const content of ['one', 'two']) {
        await asRestUser(restUrl, as, (c) =>
          c.query(`insert into conversation_messages (session_id, role, content, metadata) values ($1, 'user', $2, '{}')`, [sessionId, content]),
        )
      }
      await asRestUser(restUrl, as, (c) =>
        c.query(`update conversation_sessions set is_active = false, ended_at = now(), session_end = now() where session_id = $1`, [sessionId]),
      )
      const after = await owner(async (c) => ({
        session: (await c.query(`select id = session_id as same, is_active, message_count, duration_seconds > 4 as duration from conversation_sessions where session_id = $1`, [sessionId])).rows[0],
        users: (await c.query(`select distinct user_id from conversation_messages where session_id = $1`, [sessionId])).rows,
      }))
      expect(after.session).toEqual({ same: true, is_active: false, message_count: 2, duration: true })
      expect(after.users).toEqual([{ user_id: user }])
    })
  }

  it('the doctor reports each security drift and its fix SQL repairs it', async () => {
    await owner((c) =>
      c.query(`alter table conversation_messages disable row level security;
        drop policy conversation_sessions_select_own on conversation_sessions;
        grant select, insert on parley.api_keys to anon;
        grant usage on schema parley to anon;
        alter table parley.webhook_secrets disable row level security;
        grant select on parley.webhook_secrets to service_role;
        alter function parley.adjust_message_counts(uuid[], bigint[]) reset search_path;`),
    )
    const report = await owner((c) => checkSchema(wrap(c)))
    const found = report.problems.filter((p) => p.severity === 'error').map((p) => [p.kind, p.table, p.name].filter(Boolean).join(' '))
    expect(found).toEqual(
      expect.arrayContaining([
        'rls_disabled conversation_messages',
        'missing_policy conversation_sessions conversation_sessions_select_own',
        'privilege_granted table parley.api_keys anon',
        'privilege_granted schema parley anon',
        'rls_disabled parley.webhook_secrets',
        'privilege_granted table parley.webhook_secrets service_role',
        'function_search_path_mutable parley.adjust_message_counts(uuid[],bigint[])',
      ]),
    )
    const counts = await owner(async (c) => (await c.query('select count(*)::int as n from conversation_messages')).rows)
    const sql = buildFixSql(report, expectedSchema, 'the Supabase-like database')
    await owner((c) => c.query(sql))
    await owner((c) => c.query(sql))
    expect((await owner((c) => checkSchema(wrap(c)))).problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(await owner(async (c) => (await c.query('select count(*)::int as n from conversation_messages')).rows)).toEqual(counts)
    // The recreated policy uses auth.uid() here, where it exists.
    const policy = await owner((c) => c.query(`select pg_get_expr(polqual, polrelid) as q from pg_policy where polname = 'conversation_sessions_select_own'`))
    expect(policy.rows[0].q).toContain('auth.uid()')
  })

  it('an older Parley database (12 migrations in public, exposed as Supabase exposes it) upgrades in place, keeping keys and history', async () => {
    const name = await cluster.createDatabase()
    const url = cluster.url('postgres', name)
    const db = await openDatabase(url)
    try {
      await migrateLikeOlderParley(db, 12)
      await db.query(`insert into parley_api_keys (prefix, key_hash, scope) values ('pk_old', 'hash', 'admin')`)
      // The attack: anon could mint a key.
      await asRestUser(cluster.url('authenticator', name), 'anon', (c) =>
        c.query(`insert into parley_api_keys (prefix, key_hash, scope) values ('pk_anon', 'chosen', 'admin')`),
      )
      await db.query(`delete from parley_api_keys where prefix = 'pk_anon'`)
      const history = (await db.query('select version, checksum, applied_at from parley_migrations order by version')).rows
      const result = await migrate(db)
      expect(result.applied.map((m) => m.version)).toEqual(migrations.slice(12).map((m) => m.version))
      const moved = (await db.query('select version, checksum, applied_at from parley.migrations where version <= 12 order by version')).rows
      expect(moved).toEqual(history)
      expect((await db.query('select version from parley.migrations where version = 13')).rows).toHaveLength(1)
      expect((await listApiKeys(db)).map((key) => key.prefix)).toEqual(['pk_old'])
      expect((await db.query(`select to_regclass('public.parley_api_keys') as t, to_regclass('public.parley_migrations') as m`)).rows).toEqual([{ t: null, m: null }])
      await createApiKey(db, { scope: 'read' })
      await expect(
        asRestUser(cluster.url('authenticator', name), 'anon', (c) => c.query(`select * from parley.api_keys`)),
      ).rejects.toThrow(/permission denied/)
      expect((await checkSchema(db)).problems.filter((p) => p.severity === 'error')).toEqual([])
      expect((await migrate(db)).applied).toEqual([])
    } finally {
      await db.close()
    }
  })
})

// The doctor and helpers take Parley's Queryable; a pg.Client has the same query().
function wrap(client: pg.Client) {
  return { query: (sql: string, params?: unknown[]) => client.query(sql, params) } as never
}
