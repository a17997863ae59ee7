// Which column type changes the doctor fixes by itself (a widening PostgreSQL
// makes without losing a value, or a length or precision limit dropped) and
// which it leaves to a person, and what `--fix-sql` writes for each.
import { describe, expect, it } from 'vitest'
import { compareSchema } from '../../src/doctor/compare.js'
import { buildFixSql } from '../../src/doctor/fix-sql.js'
import type { SchemaSnapshot } from '../../src/doctor/schema.js'

/** One table with one column of `type`, and the same migration history. */
function schema(type: string): SchemaSnapshot {
  return {
    tables: { conversation_sessions: { columns: { value: { type, nullable: true, default: null } }, constraints: {}, indexes: {}, triggers: {} } },
    functions: {},
    migrations: [{ version: 1, name: 'conversation_tables', checksum: 'c1' }],
  }
}

/** The doctor's verdict on a column that is `actual` where `expected` is wanted. */
function verdict(expected: string, actual: string) {
  const want = schema(expected)
  const report = compareSchema(want, schema(actual))
  expect(report.ok).toBe(false)
  expect(report.problems).toHaveLength(1)
  const [problem] = report.problems
  expect(problem).toMatchObject({ kind: 'type_mismatch', table: 'conversation_sessions', column: 'value', expected, actual, severity: 'error' })
  return { fix: problem!.fix, sql: buildFixSql(report, want, 'the test database') }
}

const alter = (type: string) => `alter table conversation_sessions alter column value type ${type};`

describe('type changes the doctor fixes by itself', () => {
  for (const [actual, expected] of [
    ['integer', 'bigint'],
    ['smallint', 'integer'],
    ['real', 'double precision'],
    ['character varying', 'text'],
    ['timestamp without time zone', 'timestamp with time zone'],
  ]) {
    it(`${actual} → ${expected}: a widening, altered in place`, () => {
      const { fix, sql } = verdict(expected!, actual!)
      expect(fix).toBe('safe')
      expect(sql).toContain(alter(expected!))
      expect(sql).not.toContain('convert it by hand')
    })
  }

  for (const [actual, expected] of [
    ['character varying(200)', 'character varying'],
    ['character varying(200)', 'text'],
    ['numeric(10,2)', 'numeric'],
    ['numeric(12,10)', 'numeric'],
    ['timestamp(3) with time zone', 'timestamp with time zone'],
  ]) {
    it(`${actual} → ${expected}: only a limit dropped`, () => {
      const { fix, sql } = verdict(expected!, actual!)
      expect(fix).toBe('safe')
      expect(sql).toContain(alter(expected!))
    })
  }
})

describe('type changes left to a person', () => {
  for (const [actual, expected] of [
    ['bigint', 'integer'],
    ['integer', 'smallint'],
    ['double precision', 'real'],
    ['text', 'character varying'],
    ['timestamp with time zone', 'timestamp without time zone'],
    ['text', 'character varying(200)'],
    ['character varying(200)', 'character varying(100)'],
    ['numeric(10,2)', 'integer'],
    ['text', 'uuid'],
    ['integer', 'text'],
    ['character(5)', 'text'],
    ['bigint', 'double precision'],
  ]) {
    it(`${actual} → ${expected}: values may not convert`, () => {
      const { fix, sql } = verdict(expected!, actual!)
      expect(fix).toBe('manual')
      expect(sql).not.toContain('alter column value type')
      expect(sql).toContain(`--   * conversation_sessions.value is ${actual}, expected ${expected}: convert it by hand (values may not convert).`)
    })
  }
})
