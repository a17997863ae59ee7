// Writes src/doctor/expected-schema.json: every migration applied to a fresh
// embedded database, then its catalog read the way the doctor reads a live one,
// security facts (RLS, policies, grants, function settings) included.
// Run after `npm run build` (it uses dist/); a test fails when the file is stale.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { openDatabase, migrate } = await import(join(root, 'dist/index.js'))
const { readCatalog } = await import(join(root, 'dist/doctor/catalog.js'))

const database = await openDatabase('memory:')
try {
  // Supabase's API roles, so that the privileges the migrations give them are
  // part of what the doctor expects (databases without them skip those checks).
  await database.exec(`create role anon nologin noinherit; create role authenticated nologin noinherit;
    create role service_role nologin noinherit bypassrls;`)
  await migrate(database)
  const snapshot = await readCatalog(database)
  writeFileSync(join(root, 'src/doctor/expected-schema.json'), `${JSON.stringify(snapshot, null, 2)}\n`)
} finally {
  await database.close()
}
