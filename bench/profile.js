// Runs one method under `node --cpu-prof` on a throwaway database and prints
// the functions with the most self time (the .cpuprofile stays for a flame graph).
//
//   npm run build && node bench/profile.js parley_library_c256 [seconds] [--dir=/tmp/parley-prof]
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createApiKey } from '../dist/tracker/api-keys.js'
import { migrate, openDatabase } from '../dist/index.js'
import { runChild } from './lib/spawn.js'
import { withPostgresDatabase } from './throwaway-database.js'

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string', default: '/tmp/parley-prof' } } })
const [name = 'parley_library_c256', seconds = '8'] = positionals
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Self time per function (file:line), summed over the profile's samples. */
function topFunctions(file, count = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const interval = (profile.endTime - profile.startTime) / profile.samples.length / 1000
  const self = new Map()
  for (const id of profile.samples) {
    const { callFrame } = byId.get(id)
    const key = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/')}:${callFrame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + interval)
  }
  const total = [...self.values()].reduce((sum, ms) => sum + ms, 0)
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, ms]) => `${((ms / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
}

await withPostgresDatabase(adminUrl, async (url) => {
  const database = await openDatabase(url)
  await migrate(database)
  const { key } = await createApiKey(database, { scope: 'admin', name: 'profile' })
  await database.close()
  const before = new Set(safeList(flags.dir))
  // The HTTP methods start `parley serve` as a grandchild: profile it too.
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${flags.dir}`]
  process.env.BENCH_SERVE_NODE_ARGS = nodeArgs.join(' ')
  const result = await runChild(fileURLToPath(new URL(`methods/${name}.js`, import.meta.url)), { databaseUrl: url, apiKey: key, seconds: Number(seconds) }, { nodeArgs })
  console.log(`${name}: ${Math.round(result.rowsPerSecond)} msg/s`)
  for (const file of safeList(flags.dir).filter((file) => !before.has(file))) {
    console.log(`\n${flags.dir}/${file}`)
    console.log(topFunctions(`${flags.dir}/${file}`).join('\n'))
  }
})

function safeList(dir) {
  try {
    return readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'))
  } catch {
    return []
  }
}
