// The SDK must bundle for the browser: fetch only, nothing from Node or the database.
import { build } from 'esbuild'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

describe('parley/client browser bundle', () => {
  it('bundles for the browser without Node builtins or database drivers', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'src/client/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    expect(result.errors).toEqual([])
    const code = result.outputFiles.map((file) => file.text).join('\n')
    expect(code).toMatch(/ParleyClient/)
    expect(code).not.toMatch(/^\s*import\s/m) // everything inlined: no import left to resolve at all
    expect(code).not.toMatch(/from\s*["'](node:|fs|pg|@electric-sql\/pglite|crypto|net|tls)/)
    expect(code).not.toMatch(/(import|require)\s*\(\s*["'](node:|fs|pg|@electric-sql)/)
    // Node globals a browser lacks: using one would throw ReferenceError there at run time.
    expect(code).not.toMatch(/\b(Buffer|process|__dirname|setImmediate)\b/)
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.filter((input) => /src\/(db\/|server\/|cli\/|tracker\/tracker)|node_modules\/(pg|@electric-sql|fastify)/.test(input))).toEqual([])
    expect(inputs.some((input) => input.includes('node_modules/uuid'))).toBe(true)
  })
})
