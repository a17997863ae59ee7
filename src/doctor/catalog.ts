import { createHash } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import type { SchemaSnapshot, TableShape } from './schema.js'

/** Tables the doctor looks at: ours, and any other that looks like ours (reported as extra). */
const TABLE_PATTERN = '^(conversation_|parley_)'
const FUNCTION_PATTERN = '^parley_'

// One round trip: every part of the catalog as one JSON document. pg_catalog
// rather than information_schema, which loses type detail. NOT NULL
// constraints (contype 'n', new in PostgreSQL 18) are read from attnotnull on
// every version, so 15 and 18 agree.
const catalogSql = /* sql */ `
  with tables as (
    select c.oid, c.relname from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and c.relname ~ $1
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
      select json_agg(json_build_object('name', p.proname, 'body', p.prosrc, 'definition', pg_get_functiondef(p.oid)))
      from pg_proc p where p.pronamespace = current_schema()::regnamespace and p.proname ~ $2), '[]'),
    -- The history table may not exist yet, and a plain subquery on it would
    -- fail to parse; query_to_xml runs it only when it does.
    'migrations', case when to_regclass('parley_migrations') is null then '[]'::json else (
      xpath('/row/history/text()', query_to_xml(
        'select coalesce(json_agg(json_build_object(''version'', version, ''name'', name, ''checksum'', checksum) order by version), ''[]'') as history from parley_migrations',
        false, true, '')))[1]::text::json end
  ) as catalog`

interface RawCatalog {
  tables: string[]
  columns: Array<{ table: string; name: string; type: string; nullable: boolean; default: string | null }>
  constraints: Array<{ table: string; name: string; definition: string }>
  indexes: Array<{ table: string; name: string; definition: string }>
  triggers: Array<{ table: string; name: string; definition: string }>
  functions: Array<{ name: string; body: string; definition: string }>
  migrations: SchemaSnapshot['migrations']
}

/** Reads the live schema in one query. */
export async function readCatalog(database: Queryable): Promise<SchemaSnapshot> {
  const { rows } = await database.query<{ catalog: RawCatalog | string }>(catalogSql, [TABLE_PATTERN, FUNCTION_PATTERN])
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
    functions[fn.name] = { hash: bodyHash(fn.body), definition: unqualifyFunction(fn.definition) }
  }
  return { tables, functions, migrations: raw.migrations }
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

// pg_get_functiondef names the schema too: `CREATE OR REPLACE FUNCTION public.x()`.
function unqualifyFunction(definition: string): string {
  return definition.replace(/^(CREATE OR REPLACE FUNCTION )[a-z_][a-z0-9_$]*\./i, '$1').trim()
}

function sortByName<T extends { name: string; table?: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => `${a.table ?? ''}.${a.name}`.localeCompare(`${b.table ?? ''}.${b.name}`))
}
