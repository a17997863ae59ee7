// The bounded statement travels as one simple-protocol message with its
// parameters inlined: it must read exactly as the parameterised statement does.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inlineParameters } from '../../src/db/postgres/inline-parameters.js'
import { openPostgres } from '../../src/db/postgres/postgres-database.js'
import { withStatementTimeouts } from '../../src/db/statement-timeouts.js'
import type { Database } from '../../src/db/database.js'
import { ADMIN_URL } from '../support/backends.js'

const awkward: unknown[] = [
  "it's",
  "''",
  'back\\slash \\x41 \\\\',
  "E'\\''",
  '$1 $$ $tag$ -- /* */',
  "'); drop table witness; --",
  'naïve € 漢字 🎉',
  '',
  null,
  42,
  -0.5,
  true,
  ['a', "b'c", 'd\\e', null],
  { nested: { quote: "'", backslash: '\\', unicode: '\u00e9' } },
  new Date('2026-12-02T04:30:00.123Z'),
]

describe('inlined parameters on PostgreSQL', () => {
  let client: pg.Client
  let database: Database

  beforeAll(async () => {
    client = new pg.Client({ connectionString: ADMIN_URL })
    await client.connect()
    await client.query('create temporary table witness (n int)')
    database = await openPostgres(ADMIN_URL, { maxConnections: 1 })
  })
  afterAll(async () => {
    await client.end()
    await database.close()
  })

  it('read back the same text as parameters do, whatever standard_conforming_strings says', async () => {
    for (const conforming of ['on', 'off']) {
      await client.query(`set standard_conforming_strings = ${conforming}`)
      for (const value of awkward) {
        const sql = 'select $1::text as value, $2::text as other'
        const expected = (await client.query(sql, [value, 'x'])).rows
        const inlined = inlineParameters(sql, [value, 'x'])
        expect(inlined).toBeDefined()
        expect((await client.query(inlined!)).rows, `${String(value)} with standard_conforming_strings ${conforming}`).toEqual(expected)
      }
    }
    await client.query('set standard_conforming_strings = on')
    expect((await client.query('select count(*)::int as n from witness')).rows).toEqual([{ n: 0 }])
  })

  it('leaves placeholders inside strings, names, comments and dollar quotes alone', () => {
    const sql = `select '$1', E'\\'$1', "$1", $1, $a$ $1 $a$, $$ $1 $$ -- $1\n, /* $1 */ $2, x$1`
    expect(inlineParameters(sql, ['one', 'two'])).toBe(`select '$1', E'\\'$1', "$1", E'one', $a$ $1 $a$, $$ $1 $$ -- $1\n, /* $1 */ E'two', x$1`)
  })

  it('takes $10 as the tenth parameter, and refuses a placeholder without a value', () => {
    const params = Array.from({ length: 10 }, (_, i) => i + 1)
    expect(inlineParameters('select $10, $1', params)).toBe(`select E'10', E'1'`)
    expect(() => inlineParameters('select $3', [1, 2])).toThrow('$3')
  })

  it('leaves a value with a NUL character to the parameterised path, which refuses it', async () => {
    expect(inlineParameters('select $1::text', ['a\0b'])).toBeUndefined()
    const bounded = withStatementTimeouts(database, { lockTimeoutMs: 1000, statementTimeoutMs: 1000 })
    await expect(bounded.query('select $1::text', ['a\0b'])).rejects.toThrow()
    expect((await bounded.query('select $1::text as v', ['ok'])).rows).toEqual([{ v: 'ok' }])
  })

  it('runs the statement with its bounds, and leaves none on the connection', async () => {
    const bounded = withStatementTimeouts(database, { lockTimeoutMs: 1234, statementTimeoutMs: 5678 })
    const { rows } = await bounded.query<{ lock: string; statement: string }>(
      "select current_setting('lock_timeout') as lock, current_setting('statement_timeout') as statement, $1::int as one",
      [1],
    )
    expect(rows).toEqual([{ lock: '1234ms', statement: '5678ms', one: 1 }])
    const after = await database.query<{ lock: string }>("select current_setting('lock_timeout') as lock")
    expect(after.rows).toEqual([{ lock: '0' }])
    await expect(withStatementTimeouts(database, { lockTimeoutMs: 0, statementTimeoutMs: 100 }).query('select pg_sleep($1)', [1])).rejects.toMatchObject({
      code: 'DATABASE_TIMEOUT',
    })
  })
})
