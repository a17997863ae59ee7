import { expect, it } from 'vitest'
import { readCatalog } from '../../src/doctor/catalog.js'
import { checkSchema, expectedSchema } from '../../src/doctor/check-schema.js'
import { migrations } from '../../src/migrations/generated.js'
import { migrate } from '../../src/migrations/migrator.js'
import { migrationChecksum } from '../../src/migrations/migration.js'
import { describeEachBackend } from '../support/backends.js'

describeEachBackend('expected schema', (backend) => {
  it('is what the migrations produce (regenerate with npm run generate:schema)', async () => {
    let database
    if (backend.name === 'pglite') {
      // The file is generated with Supabase's API roles present (their grants are expected facts).
      database = (await backend.emptyDatabase()).database
      await database.exec(`create role anon nologin noinherit; create role authenticated nologin noinherit;
        create role service_role nologin noinherit bypassrls;`)
      await migrate(database)
    } else {
      database = await backend.migratedDatabase()
    }
    const live = await readCatalog(database)
    if (backend.name === 'pglite') {
      // The committed file is generated on PGlite: it must match to the byte.
      expect(live).toEqual(expectedSchema)
    } else {
      // PostgreSQL 15 prints some definitions differently from PGlite's 18;
      // the comparison must still find nothing.
      expect(live.migrations).toEqual(expectedSchema.migrations)
    }
    const report = await checkSchema(database)
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
  })
})

it('records every compiled migration with its checksum', () => {
  expect(expectedSchema.migrations).toEqual(
    migrations.map(({ version, name, sql }) => ({ version, name, checksum: migrationChecksum(sql) })),
  )
})
