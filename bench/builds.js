// A change on the write path, before and after, in one run: the same writes
// through the tracker of this build (dist/) and of an earlier one, interleaved
// on a throwaway PostgreSQL database. The earlier build is a checkout of the
// commit before the change, built there:
//
//   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/ && npm --prefix /tmp/before run build
//   npm run build && node bench/builds.js --before=/tmp/before [--rounds=7] [--json]
//
// The pool opened first was often the slower one here, by up to 2.75x with the
// same build on both sides (`--before=.`), so the run is made twice, each
// build's pool opened first once, and the two are combined.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { alternateWrites, combineRuns, printRates } from './lib/alternate-writes.js'
import { serverVersion, withPostgresDatabase } from './throwaway-database.js'

const { values: flags } = parseArgs({ options: { before: { type: 'string' }, rounds: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } } })
if (!flags.before) {
  console.error('usage: node bench/builds.js --before=<checkout of the earlier commit, built>')
  process.exit(2)
}
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const builds = {
  before: await import(pathToFileURL(resolve(flags.before, 'dist/index.js')).href),
  now: await import('../dist/index.js'),
}

async function measure(url, openingOrder) {
  const migrating = await builds.now.openDatabase(url)
  await builds.now.migrate(migrating)
  await migrating.close()
  // Each build opens its own pool: the change may be in how it talks to the database.
  const databases = {}
  for (const name of openingOrder) databases[name] = await builds[name].openDatabase(url)
  const trackers = {
    before: await builds.before.createTracker({ database: databases.before }),
    now: await builds.now.createTracker({ database: databases.now }),
  }
  try {
    return await alternateWrites(trackers, { baseline: 'before', rounds: Number(flags.rounds) })
  } finally {
    for (const tracker of Object.values(trackers)) await tracker.close()
    for (const database of Object.values(databases)) await database.close()
  }
}

const version = await serverVersion(adminUrl)
const runs = {
  before_opened_first: await withPostgresDatabase(adminUrl, (url) => measure(url, ['before', 'now'])),
  now_opened_first: await withPostgresDatabase(adminUrl, (url) => measure(url, ['now', 'before'])),
}
const combined = combineRuns(Object.values(runs), 'before')
if (flags.json) {
  console.log(JSON.stringify({ postgres: version, ...runs, combined }, null, 2))
} else {
  console.log(`\nthis build against ${flags.before} on PostgreSQL ${version} (ratio to the earlier build, same run)`)
  for (const [name, rows] of Object.entries({ ...runs, combined })) {
    console.log(`${name}:`)
    printRates(rows)
  }
}
