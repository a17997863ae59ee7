import { describe, expect, it } from 'vitest'
import { parseDatabaseUrl } from '../src/db/open-database.js'
import { describeUrl } from '../src/db/postgres/postgres-database.js'
import { ValidationError } from '../src/model/errors.js'

describe('parseDatabaseUrl', () => {
  it('sends postgres URLs, Supabase direct and pooler ones included, to node-postgres', () => {
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/postgres',
      'postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres',
      'postgres://postgres.abcdefgh:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres',
    ]) {
      expect(parseDatabaseUrl(url)).toEqual({ backend: 'postgres', url })
    }
  })

  it('sends pglite: and memory: to the embedded backend', () => {
    expect(parseDatabaseUrl('pglite:./.parley/db')).toEqual({ backend: 'pglite', dataDir: './.parley/db' })
    expect(parseDatabaseUrl('pglite:///var/lib/parley')).toEqual({ backend: 'pglite', dataDir: '/var/lib/parley' })
    expect(parseDatabaseUrl('memory:')).toEqual({ backend: 'pglite', dataDir: undefined })
    expect(parseDatabaseUrl('memory://')).toEqual({ backend: 'pglite', dataDir: undefined })
  })

  it('refuses anything else, naming the field', () => {
    for (const url of ['mysql://x/y', '', 'pglite:', './folder', 'postgres://[::1']) {
      const error = (() => {
        try {
          parseDatabaseUrl(url)
        } catch (caught) {
          return caught
        }
      })()
      expect(error, url).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe('database')
    }
  })

  it('never shows a password in descriptions', () => {
    expect(describeUrl('postgres://u:secret@h:5432/d')).toBe('postgres://u:***@h:5432/d')
  })
})
