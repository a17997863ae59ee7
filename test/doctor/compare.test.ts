import { beforeEach, describe, expect, it } from 'vitest'
import { expectedSchema } from '../../src/doctor/check-schema.js'
import { compareSchema, type Problem, type SchemaReport } from '../../src/doctor/compare.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import { reportJson, reportText } from '../../src/doctor/format-report.js'
import type { ColumnShape, SchemaSnapshot } from '../../src/doctor/schema.js'

const column = (type: string, nullable = true, defaultValue: string | null = null): ColumnShape => ({
  type,
  nullable,
  default: defaultValue,
})

/** A small schema in the shape the catalog gives, written by hand. */
function expected(): SchemaSnapshot {
  return {
    tables: {
      conversation_messages: {
        columns: {
          id: column('uuid', false, 'gen_random_uuid()'),
          session_id: column('uuid', false),
          user_id: column('uuid'),
          content: column('text', false),
          audio_url: column('text'),
          metadata: column('jsonb', false, "'{}'::jsonb"),
        },
        constraints: {
          conversation_messages_pkey: 'PRIMARY KEY (id)',
          conversation_messages_session_id_fkey: 'FOREIGN KEY (session_id) REFERENCES conversation_sessions(session_id) ON DELETE CASCADE',
        },
        indexes: {
          conversation_messages_user_time_idx: 'CREATE INDEX conversation_messages_user_time_idx ON conversation_messages USING btree (user_id, created_at)',
        },
        triggers: {
          parley_message_before_write:
            'CREATE TRIGGER parley_message_before_write BEFORE INSERT OR UPDATE ON conversation_messages FOR EACH ROW EXECUTE FUNCTION parley_message_before_write()',
        },
      },
      conversation_sessions: {
        columns: {
          id: column('uuid', false),
          session_id: column('uuid', false),
          user_id: column('uuid'),
          duration_seconds: column('double precision'),
          message_count: column('integer', false, '0'),
        },
        constraints: { conversation_sessions_pkey: 'PRIMARY KEY (id)', conversation_sessions_session_id_key: 'UNIQUE (session_id)' },
        indexes: {},
        triggers: {},
      },
    },
    functions: { parley_message_before_write: { hash: 'h1', definition: 'CREATE OR REPLACE FUNCTION parley_message_before_write() …' } },
    migrations: [
      { version: 1, name: 'conversation_tables', checksum: 'c1' },
      { version: 2, name: 'invariant_triggers', checksum: 'c2' },
    ],
  }
}

/** The live side: the expected schema, changed by `edit`. */
function live(edit: (schema: SchemaSnapshot) => void): SchemaSnapshot {
  const schema = expected()
  edit(schema)
  return schema
}

const messages = (schema: SchemaSnapshot) => schema.tables.conversation_messages!
const sessions = (schema: SchemaSnapshot) => schema.tables.conversation_sessions!

function problem(partial: Partial<Problem> & Pick<Problem, 'kind'>): Problem {
  return { table: 'conversation_messages', expected: null, actual: null, severity: 'error', fix: 'safe', ...partial }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

describe('compareSchema', () => {
  it('finds nothing when the schemas agree, without changing either', () => {
    const want = deepFreeze(expected())
    const have = deepFreeze(expected())
    expect(compareSchema(want, have)).toEqual({ ok: true, problems: [], pendingMigrations: [] })
    expect(compareSchema(expectedSchema, structuredClone(expectedSchema))).toEqual({ ok: true, problems: [], pendingMigrations: [] })
  })

  describe('columns', () => {
    it('a missing column: safe to add when nullable or defaulted, a backfill when NOT NULL with no default', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          delete messages(schema).columns.audio_url
          delete messages(schema).columns.metadata
          delete sessions(schema).columns.session_id
        }),
      )
      expect(report.ok).toBe(false)
      expect(report.problems).toEqual([
        problem({ kind: 'missing_column', column: 'audio_url', expected: 'text', fix: 'safe' }),
        problem({ kind: 'missing_column', column: 'metadata', expected: "jsonb not null default '{}'::jsonb", fix: 'safe' }),
        problem({ kind: 'missing_column', table: 'conversation_sessions', column: 'session_id', expected: 'uuid not null', fix: 'data' }),
      ])
      expect(report.pendingMigrations).toEqual([])
    })

    it('a type that widens without loss is safe; one that may not convert is manual', () => {
      const cases: Array<[table: 'messages' | 'sessions', name: string, actual: string, fix: Problem['fix']]> = [
        ['sessions', 'duration_seconds', 'real', 'safe'],
        ['messages', 'content', 'character varying', 'safe'],
        ['messages', 'audio_url', 'character varying(200)', 'safe'],
        ['sessions', 'message_count', 'smallint', 'safe'],
        ['sessions', 'message_count', 'bigint', 'manual'], // would narrow
        ['messages', 'user_id', 'text', 'manual'],
        ['messages', 'metadata', 'json', 'manual'],
      ]
      for (const [table, name, actual, fix] of cases) {
        const report = compareSchema(
          expected(),
          live((schema) => {
            const shape = table === 'messages' ? messages(schema) : sessions(schema)
            shape.columns[name]!.type = actual
          }),
        )
        const want = (table === 'messages' ? messages(expected()) : sessions(expected())).columns[name]!.type
        expect(report.problems, `${name} ${actual}`).toEqual([
          problem({ kind: 'type_mismatch', table: `conversation_${table}`, column: name, expected: want, actual, fix }),
        ])
      }
    })

    it('nullability: relaxing to what is expected is safe, tightening needs a backfill', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          messages(schema).columns.user_id!.nullable = false
          messages(schema).columns.content!.nullable = true
        }),
      )
      expect(report.problems).toEqual([
        problem({ kind: 'nullability_mismatch', column: 'user_id', expected: 'nullable', actual: 'not null', fix: 'safe' }),
        problem({ kind: 'nullability_mismatch', column: 'content', expected: 'not null', actual: 'nullable', fix: 'data' }),
      ])
    })

    it('a different or missing default', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          sessions(schema).columns.id!.default = 'gen_random_uuid()'
          sessions(schema).columns.message_count!.default = null
        }),
      )
      expect(report.problems).toEqual([
        problem({ kind: 'default_mismatch', table: 'conversation_sessions', column: 'id', expected: 'no default', actual: 'gen_random_uuid()' }),
        problem({ kind: 'default_mismatch', table: 'conversation_sessions', column: 'message_count', expected: '0', actual: 'no default' }),
      ])
    })

    it('one column can have several problems at once', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          messages(schema).columns.metadata = column('json', true)
        }),
      )
      expect(report.problems.map((p) => p.kind)).toEqual(['type_mismatch', 'nullability_mismatch', 'default_mismatch'])
      expect(report.problems.every((p) => p.column === 'metadata')).toBe(true)
    })
  })

  describe('constraints, indexes, triggers and functions', () => {
    it('missing ones are errors: a constraint checks existing rows (data), an index or trigger is safe to add', () => {
      const want = expected()
      const report = compareSchema(
        want,
        live((schema) => {
          delete messages(schema).constraints.conversation_messages_session_id_fkey
          delete messages(schema).indexes.conversation_messages_user_time_idx
          delete messages(schema).triggers.parley_message_before_write
        }),
      )
      const m = messages(want)
      expect(report.problems).toEqual([
        problem({ kind: 'missing_constraint', name: 'conversation_messages_session_id_fkey', expected: m.constraints.conversation_messages_session_id_fkey!, fix: 'data' }),
        problem({ kind: 'missing_index', name: 'conversation_messages_user_time_idx', expected: m.indexes.conversation_messages_user_time_idx!, fix: 'safe' }),
        problem({ kind: 'missing_trigger', name: 'parley_message_before_write', expected: m.triggers.parley_message_before_write!, fix: 'safe' }),
      ])
    })

    it('different definitions: a constraint is replaced (data), an index needs a person, a trigger is recreated', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          messages(schema).constraints.conversation_messages_session_id_fkey = 'FOREIGN KEY (session_id) REFERENCES conversation_sessions(id)'
          messages(schema).indexes.conversation_messages_user_time_idx = 'CREATE INDEX conversation_messages_user_time_idx ON conversation_messages USING btree (user_id)'
          messages(schema).triggers.parley_message_before_write = 'CREATE TRIGGER parley_message_before_write BEFORE INSERT ON conversation_messages FOR EACH ROW EXECUTE FUNCTION parley_message_before_write()'
        }),
      )
      expect(report.problems.map(({ kind, name, fix }) => ({ kind, name, fix }))).toEqual([
        { kind: 'constraint_mismatch', name: 'conversation_messages_session_id_fkey', fix: 'data' },
        { kind: 'index_mismatch', name: 'conversation_messages_user_time_idx', fix: 'manual' },
        { kind: 'trigger_mismatch', name: 'parley_message_before_write', fix: 'safe' },
      ])
      expect(report.problems[0]!.actual).toBe('FOREIGN KEY (session_id) REFERENCES conversation_sessions(id)')
    })

    it('a trigger function that is missing or has another body', () => {
      const missing = compareSchema(expected(), live((schema) => delete schema.functions.parley_message_before_write))
      expect(missing.problems).toEqual([
        problem({ kind: 'function_mismatch', table: null, name: 'parley_message_before_write', expected: 'function parley_message_before_write' }),
      ])
      const changed = compareSchema(expected(), live((schema) => (schema.functions.parley_message_before_write!.hash = 'h2')))
      expect(changed.problems).toEqual([
        problem({ kind: 'function_mismatch', table: null, name: 'parley_message_before_write', expected: 'function parley_message_before_write', actual: 'a different body' }),
      ])
      expect(changed.ok).toBe(false)
    })
  })

  describe('tables', () => {
    it('a missing table is reported once, with its keys, indexes and triggers, not column by column', () => {
      const want = expected()
      const report = compareSchema(want, live((schema) => delete schema.tables.conversation_messages))
      expect(report.problems.map(({ kind, table, name }) => `${kind} ${table} ${name ?? ''}`.trim())).toEqual([
        'missing_table conversation_messages',
        'missing_constraint conversation_messages conversation_messages_pkey',
        'missing_constraint conversation_messages conversation_messages_session_id_fkey',
        'missing_index conversation_messages conversation_messages_user_time_idx',
        'missing_trigger conversation_messages parley_message_before_write',
      ])
      expect(report.problems[0]).toEqual(problem({ kind: 'missing_table', expected: 'table' }))
    })

    it('an empty database: every table missing and every migration pending, in order', () => {
      const report = compareSchema(expectedSchema, { tables: {}, functions: {}, migrations: [] })
      expect(report.ok).toBe(false)
      expect(report.pendingMigrations).toEqual(expectedSchema.migrations.map(({ version, name }) => ({ version, name })))
      expect(report.problems.filter((p) => p.kind === 'missing_table').map((p) => p.table)).toEqual(Object.keys(expectedSchema.tables))
      expect(report.problems.filter((p) => p.kind === 'missing_column')).toEqual([])
      expect(report.problems.filter((p) => p.kind === 'function_mismatch').map((p) => p.name)).toEqual(Object.keys(expectedSchema.functions))
      // History first, as a person should read it.
      expect(report.problems.slice(0, expectedSchema.migrations.length).every((p) => p.kind === 'pending_migration')).toBe(true)
    })
  })

  describe('what the database has beyond ours', () => {
    it('extra tables, columns, constraints, indexes and triggers are warnings, and the report stays ok', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          schema.tables.conversation_notes = { columns: { id: column('uuid', false) }, constraints: {}, indexes: {}, triggers: {} }
          sessions(schema).columns.mood = column('text')
          sessions(schema).constraints.conversation_sessions_mood_known = "CHECK ((mood = ANY (ARRAY['calm'::text])))"
          messages(schema).indexes.conversation_messages_content_idx = 'CREATE INDEX conversation_messages_content_idx ON conversation_messages USING btree (content)'
          messages(schema).triggers.audit = 'CREATE TRIGGER audit AFTER INSERT ON conversation_messages FOR EACH ROW EXECUTE FUNCTION audit()'
          schema.functions.parley_custom_helper = { hash: 'x', definition: '…' }
        }),
      )
      expect(report.ok).toBe(true)
      expect(report.problems).toEqual([
        problem({ kind: 'extra_index', name: 'conversation_messages_content_idx', actual: 'CREATE INDEX conversation_messages_content_idx ON conversation_messages USING btree (content)', severity: 'warning', fix: 'manual' }),
        problem({ kind: 'extra_trigger', name: 'audit', actual: 'CREATE TRIGGER audit AFTER INSERT ON conversation_messages FOR EACH ROW EXECUTE FUNCTION audit()', severity: 'warning', fix: 'manual' }),
        problem({ kind: 'extra_column', table: 'conversation_sessions', column: 'mood', actual: 'text', severity: 'warning', fix: 'manual' }),
        problem({ kind: 'extra_constraint', table: 'conversation_sessions', name: 'conversation_sessions_mood_known', actual: "CHECK ((mood = ANY (ARRAY['calm'::text])))", severity: 'warning', fix: 'manual' }),
        problem({ kind: 'extra_table', table: 'conversation_notes', actual: 'table', severity: 'warning', fix: 'manual' }),
      ])
    })

    it('one error among warnings makes the report not ok', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          sessions(schema).columns.mood = column('text')
          delete sessions(schema).columns.user_id
        }),
      )
      expect(report.ok).toBe(false)
      expect(report.problems.map((p) => `${p.severity} ${p.kind}`)).toEqual(['error missing_column', 'warning extra_column'])
    })
  })

  it('security drift is part of the report when both sides describe their security', () => {
    const security = () => ({ rls: { conversation_messages: { enabled: true, forced: false } }, policies: {}, functions: {}, grants: {}, apiRoles: [] })
    const off = { ...security(), rls: { conversation_messages: { enabled: false, forced: false } } }
    const report = compareSchema({ ...expected(), security: security() }, { ...expected(), security: off })
    expect(report.ok).toBe(false)
    expect(report.problems.map((found) => `${found.kind} ${found.table}`)).toEqual(['rls_disabled conversation_messages'])
  })

  describe('migration history', () => {
    it('pending, edited and unknown migrations, history first', () => {
      const report = compareSchema(
        expected(),
        live((schema) => {
          schema.migrations = [
            { version: 1, name: 'conversation_tables', checksum: 'edited-checksum' },
            { version: 7, name: 'from_the_future', checksum: 'c7' },
          ]
          delete messages(schema).columns.audio_url
        }),
      )
      expect(report.pendingMigrations).toEqual([{ version: 2, name: 'invariant_triggers' }])
      expect(report.problems).toEqual([
        problem({ kind: 'unknown_migration', table: 'parley.migrations', name: '7', actual: 'from_the_future', fix: 'manual' }),
        problem({
          kind: 'modified_migration',
          table: 'parley.migrations',
          name: '1',
          expected: 'conversation_tables sha256:c1',
          actual: 'conversation_tables sha256:edited-check',
          fix: 'manual',
        }),
        problem({ kind: 'pending_migration', table: 'parley.migrations', name: '2', expected: 'invariant_triggers' }),
        problem({ kind: 'missing_column', column: 'audio_url', expected: 'text' }),
      ])
    })

    it('an edited migration is shown with the first 12 digits of each checksum', () => {
      const report = compareSchema(
        { ...expected(), migrations: [{ version: 1, name: 'conversation_tables', checksum: 'a'.repeat(64) }] },
        { ...expected(), migrations: [{ version: 1, name: 'conversation_tables', checksum: 'b'.repeat(64) }] },
      )
      expect(report.problems).toEqual([
        problem({
          kind: 'modified_migration',
          table: 'parley.migrations',
          name: '1',
          expected: `conversation_tables sha256:${'a'.repeat(12)}`,
          actual: `conversation_tables sha256:${'b'.repeat(12)}`,
          fix: 'manual',
        }),
      ])
    })

    it('a pending migration alone is enough to fail', () => {
      const report = compareSchema(expected(), live((schema) => schema.migrations.pop()))
      expect(report).toEqual({
        ok: false,
        problems: [problem({ kind: 'pending_migration', table: 'parley.migrations', name: '2', expected: 'invariant_triggers' })],
        pendingMigrations: [{ version: 2, name: 'invariant_triggers' }],
      })
    })
  })
})

describe('the report for a person and for a program', () => {
  // Compared per test, not while the file loads, so that a mutation run sees which test covers which line.
  let report!: SchemaReport
  beforeEach(() => {
    report = compareSchema(
      expected(),
      live((schema) => {
        delete messages(schema).columns.audio_url
        delete messages(schema).columns.metadata
        messages(schema).columns.user_id!.nullable = false
        sessions(schema).columns.mood = column('text')
        schema.migrations.pop()
      }),
    )
  })

  it('--json has ok, problems and pending_migrations, and nothing else', () => {
    const json = JSON.parse(JSON.stringify(reportJson(report))) as Record<string, unknown>
    expect(Object.keys(json)).toEqual(['ok', 'problems', 'pending_migrations'])
    expect(json).toEqual({ ok: false, problems: report.problems, pending_migrations: [{ version: 2, name: 'invariant_triggers' }] })
  })

  it('text: a verdict, the tables as headings, the missing columns by name, what to run next', () => {
    const lines = reportText(report, 'the test database').split('\n')
    expect(lines[0]).toBe('⚠️ the test database does not match the schema Parley expects: 4 problems.')
    expect(lines).toContain('parley.migrations')
    const heading = lines.indexOf('conversation_messages')
    expect(lines[heading + 1]).toBe('  Missing: audio_url, metadata')
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}nullability_mismatch +user_id +expected nullable +found not null +fix: safe$/))
    expect(lines).toContain('conversation_sessions')
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}extra_column \(warning\) +mood +expected — +found text +fix: manual$/))
    expect(lines.at(-2)).toBe('Next: run `parley migrate`, or `parley doctor --fix-sql` for a script to review and apply with psql.')
  })

  it('text when clean: one verdict line, with the warnings counted', () => {
    expect(reportText(compareSchema(expected(), expected()), 'db')).toBe('✅ db matches the schema Parley expects.\n')
    const warned = compareSchema(expected(), live((schema) => (sessions(schema).columns.mood = column('text'))))
    expect(reportText(warned, 'db').split('\n')[0]).toBe('✅ db matches the schema Parley expects (1 warning).')
  })
})

describe('buildFixSql', () => {
  it('never drops, truncates or deletes, whatever the report; always ends with the PostgREST reload', () => {
    const reports = [
      compareSchema(expectedSchema, { tables: {}, functions: {}, migrations: [] }),
      compareSchema(expectedSchema, structuredClone(expectedSchema)),
    ]
    for (const report of reports) {
      const sql = buildFixSql(report, expectedSchema, 'db')
      expect(sql).not.toMatch(/\b(drop\s+(table|column|index|schema)|truncate|delete\s+from)\b/i)
      expect(sql).toMatch(/\ncommit;\n\nnotify pgrst, 'reload schema';\n$/)
    }
  })

  it('lists what a person must decide as comments, and changes nothing for it', () => {
    const report = compareSchema(expectedSchema, {
      ...structuredClone(expectedSchema),
      migrations: [...expectedSchema.migrations, { version: 99, name: 'from_the_future', checksum: 'x' }],
    })
    const sql = buildFixSql(report, expectedSchema, 'db')
    expect(sql).toMatch(/\n-- Left for a person to decide \(not changed by this script\):\n--   \* migration 99 \(from_the_future\) comes from a newer Parley/)
    expect(sql).not.toMatch(/\b99\b[^\n]*;\n/)
  })
})
