// The layers of docs/architecture.md, checked: imports by dependency-cruiser's
// rules (.dependency-cruiser.cjs), SQL by reading every string in the code.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { cruise, type IConfiguration } from 'dependency-cruiser'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const SQL_HOMES = /^src\/(queries|db|migrations|doctor)\//
// A statement, not prose: a keyword of one, and what only SQL writes beside it.
const STATEMENT = /\b(select\s.*\bfrom|insert\s+into|delete\s+from|update\s+[\w."]+\s+set|create\s+(table|index|function|or\s+replace)|alter\s+table|listen|notify)\s/is
const SQL_SYNTAX = /\$\d|::\w|\bwhere\s|\breturning\s|\bvalues\s*\(|;\s*$/i
const isSql = (text: string) => STATEMENT.test(text) && SQL_SYNTAX.test(text)

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
}

/** Every string and template literal of a file, as written. */
export function literals(path: string, text = readFileSync(join(root, path), 'utf8')): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text)
    else if (ts.isTemplateExpression(node)) found.push(node.getText(file))
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

describe('architecture', () => {
  it('has no import across a forbidden edge', async () => {
    const config = (await import(join(root, '.dependency-cruiser.cjs'))).default as IConfiguration
    const result = await cruise(['src', 'dashboard/src'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, baseDir: root })
    const output = result.output as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }>; totalCruised: number } }
    expect(output.summary.totalCruised).toBeGreaterThan(100)
    expect(output.summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} → ${to}`)).toEqual([])
  })

  it('keeps SQL in src/queries, src/db, src/migrations and src/doctor', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('dashboard/src')]
    expect(files.length).toBeGreaterThan(100)
    const misplaced = files
      .filter((path) => !SQL_HOMES.test(path))
      .flatMap((path) => literals(path).filter(isSql).map((text) => `${path}: ${text.trim().slice(0, 60)}`))
    expect(misplaced).toEqual([])
  })

  it('recognises a statement and lets prose through', () => {
    const found = literals('x.ts', "const a = /* sql */ `select id from t where x = ${y}`; const b = 'update conversation_sessions set is_active = false where session_id = $1'; const c = 'select a session from the list'")
    expect(found.filter(isSql)).toHaveLength(2)
    expect(isSql('select one of session_id, user_id or all')).toBe(false)
  })
})
