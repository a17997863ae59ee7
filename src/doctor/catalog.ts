import { createHash } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import { PARLEY_SCHEMA } from '../db/parley-schema.js'
import { LEGACY_MIGRATIONS_TABLE, MIGRATIONS_TABLE } from '../migrations/migrator.js'
import { API_ROLES, normaliseJwtSub } from './security.js'
import type { SchemaSnapshot, SecurityShape, TableShape } from './schema.js'

/**
 * Tables the doctor looks at: the conversation tables, everything in the
 * parley schema (named `parley.x`), and any other that looks like ours
 * (reported as extra). Functions: those of the parley schema.
 */
const TABLE_PATTERN = '^(conversation_|parley_)'

// One round trip: every part of the catalog as one JSON document. pg_catalog
// rather than information_schema, which loses type detail. NOT NULL
// constraints (contype 'n', new in PostgreSQL 18) are read from attnotnull on
// every version, so 15 and 18 agree.
const catalogSql = /* sql */ `
  with tables as (
    select c.oid, case when n.nspname = $2 then n.nspname || '.' || c.relname else c.relname end as relname,
      c.relname ~ '^conversation_' and n.oid = current_schema()::regnamespace as conversation,
      c.relrowsecurity, c.relforcerowsecurity
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and ((n.oid = current_schema()::regnamespace and c.relname ~ $1) or n.nspname = $2)
  ),
  -- Who may do what to our objects: PUBLIC (grantee 0) and the API roles
  -- that exist. A NULL acl means the built-in defaults (PUBLIC may execute a function).
  grantable as (
    select 'schema ' || n.nspname as object, n.nspacl as acl, n.nspowner as owner, 'n'::"char" as kind
    from pg_namespace n where n.nspname = $2
    union all
    select case c.relkind when 'S' then 'sequence ' else 'table ' end
        || case when n.nspname = $2 then n.nspname || '.' else '' end || c.relname,
      c.relacl, c.relowner, case c.relkind when 'S' then 's'::"char" else 'r'::"char" end
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'S', 'v', 'm')
      and (n.nspname = $2 or (n.oid = current_schema()::regnamespace and c.relname ~ '^conversation_'))
    union all
    select 'function ' || p.oid::regprocedure::text, p.proacl, p.proowner, 'f'::"char"
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $2
  ),
  grants as (
    select g.object, case when a.grantee = 0 then 'PUBLIC' else r.rolname end as grantee, a.privilege_type
    from grantable g
    cross join lateral aclexplode(coalesce(g.acl, acldefault(g.kind, g.owner))) a
    left join pg_roles r on r.oid = a.grantee
    where a.grantee = 0 or r.rolname = any($3)
  )
  select json_build_object(
    'tables', coalesce((select json_agg(relname) from tables), '[]'),
    'columns', coalesce((
      select json_agg(json_build_object(
        'table', t.relname, 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
        'nullable', not a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid)))
      from tables t
      join pg_attribute a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = t.oid and d.adnum = a.attnum), '[]'),
    'constraints', coalesce((
      select json_agg(json_build_object('table', t.relname, 'name', k.conname, 'definition', pg_get_constraintdef(k.oid)))
      from tables t join pg_constraint k on k.conrelid = t.oid and k.contype in ('p', 'u', 'f', 'c', 'x')), '[]'),
    'indexes', coalesce((
      select json_agg(json_build_object('table', t.relname, 'name', ic.relname, 'definition', pg_get_indexdef(i.indexrelid)))
      from tables t join pg_index i on i.indrelid = t.oid join pg_class ic on ic.oid = i.indexrelid
      -- Indexes behind a primary key or unique constraint are compared as the constraint.
      where not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = t.oid)), '[]'),
    'triggers', coalesce((
      select json_agg(json_build_object('table', t.relname, 'name', g.tgname, 'definition', pg_get_triggerdef(g.oid)))
      from tables t join pg_trigger g on g.tgrelid = t.oid and not g.tgisinternal), '[]'),
    'functions', coalesce((
      select json_agg(json_build_object('name', n.nspname || '.' || p.proname, 'body', p.prosrc, 'definition', pg_get_functiondef(p.oid),
        'signature', p.oid::regprocedure::text, 'security_definer', p.prosecdef, 'config', coalesce(p.proconfig, '{}')))
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $2), '[]'),
    'rls', coalesce((
      -- Every table of ours: the expected schema says which must have RLS on
      -- (the conversation tables, parley.webhook_secrets).
      select json_agg(json_build_object('table', relname, 'enabled', relrowsecurity, 'forced', relforcerowsecurity))
      from tables), '[]'),
    'policies', coalesce((
      select json_agg(json_build_object('table', t.relname, 'name', p.polname, 'command', p.polcmd, 'permissive', p.polpermissive,
        'roles', (select coalesce(json_agg(case when r = 0 then 'public' else r::regrole::text end order by 1), '[]') from unnest(p.polroles) r),
        'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)))
      from tables t join pg_policy p on p.polrelid = t.oid where t.conversation), '[]'),
    'grants', coalesce((select json_agg(json_build_object('object', object, 'grantee', grantee, 'privilege', privilege_type)) from grants), '[]'),
    'api_roles', coalesce((select json_agg(rolname order by rolname) from pg_roles where rolname = any($3)), '[]'),
    -- The history table may not exist yet, and a plain subquery on it would
    -- fail to parse; query_to_xml runs it only when it does. An older
    -- Parley kept it in the current schema.
    'migrations', coalesce((
      select (xpath('/row/history/text()', query_to_xml(
        'select coalesce(json_agg(json_build_object(''version'', version, ''name'', name, ''checksum'', checksum) order by version), ''[]'') as history from ' || h.t,
        false, true, '')))[1]::text::json
      from (select coalesce(case when to_regclass($4) is not null then $4 end, case when to_regclass($5) is not null then $5 end) as t) h
      where h.t is not null), '[]')
  ) as catalog`

interface RawCatalog {
  tables: string[]
  columns: Array<{ table: string; name: string; type: string; nullable: boolean; default: string | null }>
  constraints: Array<{ table: string; name: string; definition: string }>
  indexes: Array<{ table: string; name: string; definition: string }>
  triggers: Array<{ table: string; name: string; definition: string }>
  functions: Array<{ name: string; body: string; definition: string; signature: string; security_definer: boolean; config: string[] }>
  rls?: Array<{ table: string; enabled: boolean; forced: boolean }>
  policies?: Array<{ table: string; name: string; command: string; permissive: boolean; roles: string[]; using: string | null; check: string | null }>
  grants?: Array<{ object: string; grantee: string; privilege: string }>
  api_roles?: string[]
  migrations: SchemaSnapshot['migrations']
}

/** Reads the live schema in one query. */
export async function readCatalog(database: Queryable): Promise<SchemaSnapshot> {
  const { rows } = await database.query<{ catalog: RawCatalog | string }>(catalogSql, [
    TABLE_PATTERN,
    PARLEY_SCHEMA,
    API_ROLES,
    MIGRATIONS_TABLE,
    LEGACY_MIGRATIONS_TABLE,
  ])
  const raw = rows[0]!.catalog
  return normaliseCatalog(typeof raw === 'string' ? (JSON.parse(raw) as RawCatalog) : raw)
}

/** Shapes the raw rows into a snapshot, and irons out what differs between PostgreSQL versions. */
export function normaliseCatalog(raw: RawCatalog): SchemaSnapshot {
  const tables: Record<string, TableShape> = {}
  for (const name of [...raw.tables].sort()) tables[name] = { columns: {}, constraints: {}, indexes: {}, triggers: {} }
  const tableOf = (name: string) => tables[name]!
  for (const column of sortByName(raw.columns)) {
    tableOf(column.table).columns[column.name] = { type: column.type, nullable: column.nullable, default: column.default }
  }
  for (const constraint of sortByName(raw.constraints)) {
    tableOf(constraint.table).constraints[constraint.name] = collapse(constraint.definition)
  }
  for (const index of sortByName(raw.indexes)) tableOf(index.table).indexes[index.name] = unqualify(index.definition)
  for (const trigger of sortByName(raw.triggers)) tableOf(trigger.table).triggers[trigger.name] = unqualify(trigger.definition)
  const functions: SchemaSnapshot['functions'] = {}
  for (const fn of sortByName(raw.functions)) {
    functions[fn.name] = { hash: bodyHash(fn.body), definition: fn.definition.trim() }
  }
  return { tables, functions, migrations: raw.migrations, security: normaliseSecurity(raw) }
}

function normaliseSecurity(raw: RawCatalog): SecurityShape {
  const security: SecurityShape = { rls: {}, policies: {}, functions: {}, grants: {}, apiRoles: [...(raw.api_roles ?? [])].sort() }
  for (const row of [...(raw.rls ?? [])].sort((a, b) => a.table.localeCompare(b.table))) {
    security.rls[row.table] = { enabled: row.enabled, forced: row.forced }
  }
  for (const policy of sortByName(raw.policies ?? [])) {
    security.policies[`${policy.table}.${policy.name}`] = {
      table: policy.table,
      name: policy.name,
      command: policy.command,
      permissive: policy.permissive,
      roles: policy.roles,
      using: policy.using === null ? null : normaliseJwtSub(collapse(policy.using)),
      check: policy.check === null ? null : normaliseJwtSub(collapse(policy.check)),
    }
  }
  for (const fn of sortByName(raw.functions)) {
    security.functions[fn.name] = { signature: fn.signature, securityDefiner: fn.security_definer, config: [...fn.config].sort() }
  }
  const grants = [...(raw.grants ?? [])].sort((a, b) => `${a.object} ${a.grantee} ${a.privilege}`.localeCompare(`${b.object} ${b.grantee} ${b.privilege}`))
  for (const grant of grants) {
    const byGrantee = (security.grants[grant.object] ??= {})
    ;(byGrantee[grant.grantee] ??= []).push(grant.privilege)
  }
  return security
}



/** sha256 of a function body with whitespace collapsed, so reformatting is not drift. */
export function bodyHash(body: string): string {
  return createHash('sha256').update(collapse(body)).digest('hex')
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

// Definitions name the schema (`ON public.conversation_messages`); the
// expected schema must not depend on which one a database uses.
function unqualify(definition: string): string {
  return collapse(definition.replace(/ ON (ONLY )?[a-z_][a-z0-9_$]*\./gi, ' ON $1'))
}

function sortByName<T extends { name: string; table?: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => `${a.table ?? ''}.${a.name}`.localeCompare(`${b.table ?? ''}.${b.name}`))
}
