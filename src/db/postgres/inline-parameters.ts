import pg from 'pg'

// node-postgres's own conversion of a parameter to text (arrays, dates, JSON),
// exported at run time though its types leave it out.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils

/**
 * `sql` with each `$n` replaced by its parameter as a quoted literal, for the
 * simple query protocol (several statements in one message, one round trip).
 * Every value becomes an untyped string literal, as node-postgres sends
 * parameters (text, type unknown), so the server infers the same types.
 * `$n` inside quoted strings, quoted names, comments and dollar quoting is
 * left alone. Undefined when a value holds a NUL character, which cannot
 * travel inside a query string, or is binary: send those as parameters.
 */
export function inlineParameters(sql: string, params: readonly unknown[]): string | undefined {
  let out = ''
  let i = 0
  while (i < sql.length) {
    const end = skipQuoted(sql, i)
    if (end > i) {
      out += sql.slice(i, end)
      i = end
      continue
    }
    const placeholder = /^\$(\d+)/.exec(sql.slice(i, i + 12))
    if (placeholder && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
      const index = Number(placeholder[1]) - 1
      if (index < 0 || index >= params.length) throw new RangeError(`no value for parameter $${index + 1}`)
      const value = literal(params[index])
      if (value === undefined) return undefined
      out += value
      i += placeholder[0].length
      continue
    }
    out += sql[i]
    i += 1
  }
  return out
}

function literal(value: unknown): string | undefined {
  const prepared = prepareValue(value)
  if (prepared === null || prepared === undefined) return 'null'
  if (Buffer.isBuffer(prepared)) return undefined
  const text = String(prepared)
  if (text.includes('\0')) return undefined
  // The E'' form reads the same whatever standard_conforming_strings says.
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** Where the quoted string, name, comment or dollar-quoted body starting at `i` ends; `i` itself when none starts there. */
function skipQuoted(sql: string, i: number): number {
  const two = sql.slice(i, i + 2)
  if (two === '--') return until(sql, '\n', i + 2)
  if (two === '/*') return until(sql, '*/', i + 2)
  const char = sql[i]
  if (char === "'") return closingQuote(sql, i + 1, "'", /(^|[^\w$])[eE]$/.test(sql.slice(Math.max(0, i - 2), i)))
  if (char === '"') return closingQuote(sql, i + 1, '"', false)
  if (char === '$' && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
    const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0]
    if (tag) return until(sql, tag, i + tag.length)
  }
  return i
}

function until(sql: string, closing: string, from: number): number {
  const at = sql.indexOf(closing, from)
  return at === -1 ? sql.length : at + closing.length
}

function closingQuote(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  for (let j = from; j < sql.length; j++) {
    if (backslashEscapes && sql[j] === '\\') j += 1
    else if (sql[j] === quote) {
      if (sql[j + 1] !== quote) return j + 1
      j += 1
    }
  }
  return sql.length
}
