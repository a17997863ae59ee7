// What the security suites ask of a database: the Advisor's lints, who can
// reach the parley schema, and a database as an older Parley left it.
import type { Database, Queryable } from '../../src/db/database.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrationChecksum } from '../../src/migrations/migration.js'

/**
 * Supabase splinter's lint 0011 (lints/0011_function_search_path_mutable.sql):
 * functions outside the system and Supabase schemas, not owned by an
 * extension, whose proconfig does not pin `search_path` to ''.
 */
export async function lint0011(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`
    select n.nspname || '.' || p.proname as name
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on p.pronamespace = n.oid
    left join pg_catalog.pg_depend dep on p.oid = dep.objid and dep.deptype = 'e'
    where n.nspname not in ('auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net',
        'pgsodium', 'pgsodium_masks', 'pgbouncer', 'pg_catalog', 'pg_toast', 'realtime', 'storage',
        'supabase_functions', 'supabase_migrations', 'vault')
      and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast%'
      and dep.objid is null
      and not coalesce(p.proconfig, '{}') && array['search_path=""']
    order by 1`)
  return rows.map((row) => row.name)
}

/** Supabase splinter's lint 0013 (lints/0013_rls_disabled_in_public.sql): tables in public without RLS. */
export async function lint0013(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`
    select c.relname as name
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on c.relnamespace = n.oid
    where c.relkind = 'r' and n.nspname = 'public' and not c.relrowsecurity
    order by 1`)
  return rows.map((row) => row.name)
}

/**
 * Every table, sequence and function in schema parley, and the schema itself,
 * checked with has_*_privilege for each role (PUBLIC included): what any of
 * them could do.
 */
export async function internalReachability(db: Queryable, roles: string[]): Promise<{ checked: number; reachable: string[] }> {
  const { rows } = await db.query<{ object: string; role: string; privilege: string; allowed: boolean }>(
    `with roles as (select unnest($1::text[]) as role),
    objects as (
      select 'table' as kind, c.oid, n.nspname || '.' || c.relname as object from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'parley' and c.relkind in ('r', 'p', 'v', 'm')
      union all
      select 'sequence', c.oid, n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'parley' and c.relkind = 'S'
      union all
      select 'function', p.oid, p.oid::regprocedure::text from pg_proc p where p.pronamespace = 'parley'::regnamespace
      union all
      select 'schema', n.oid, n.nspname from pg_namespace n where n.nspname = 'parley'
    ),
    checks as (
      select o.object, r.role, x.privilege, case o.kind
        when 'table' then has_table_privilege(r.role, o.oid, x.privilege)
        when 'sequence' then has_sequence_privilege(r.role, o.oid, x.privilege)
        when 'function' then has_function_privilege(r.role, o.oid, x.privilege)
        else has_schema_privilege(r.role, o.oid, x.privilege) end as allowed
      from objects o cross join roles r
      cross join lateral unnest(case o.kind
        when 'table' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']
        when 'sequence' then array['USAGE', 'SELECT', 'UPDATE']
        when 'function' then array['EXECUTE']
        else array['USAGE', 'CREATE'] end) as x(privilege)
    )
    select * from checks order by object, role, privilege`,
    [roles],
  )
  const objects = new Set(rows.map((row) => row.object))
  return { checked: objects.size, reachable: rows.filter((row) => row.allowed).map((row) => `${row.role} ${row.privilege} ${row.object}`) }
}

/**
 * A database as Parley before migration 13 left it: the first `upTo`
 * migrations applied and recorded in `parley_migrations` in the current schema.
 */
export async function migrateLikeOlderParley(db: Database, upTo: number): Promise<void> {
  await db.exec(`create table parley_migrations (
    version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`)
  for (const migration of migrations.slice(0, upTo)) {
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql)
      await tx.query('insert into parley_migrations (version, name, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        migrationChecksum(migration.sql),
      ])
    })
  }
}
