// Reads on the seeded 1,000,000-message table: a 200-turn transcript and a
// user's 20 newest sessions, as plain SQL (raw) and through the tracker (api),
// interleaved so both see the same cache and load.
import pg from 'pg'
import { createTracker } from '../../dist/index.js'
import { runMethod } from '../lib/child.js'
import { percentile, round } from '../lib/stats.js'

const uuid = (tag, n) => `00000000-0000-4000-${tag}-${n.toString(16).padStart(12, '0')}`

const RAW_TRANSCRIPT = `select id, session_id, user_id, role, content, audio_url, metadata, created_at, seq
  from conversation_messages where session_id = $1 order by seq limit 200`
const RAW_USER_SESSIONS = `select * from conversation_sessions where user_id = $1
  order by started_at desc, session_id desc limit 20`

async function time(work) {
  const start = performance.now()
  const rows = await work()
  if (rows !== undefined && rows.length === 0) throw new Error('a read found nothing: the seed is not what the benchmark expects')
  return performance.now() - start
}

runMethod(async ({ readsUrl, iterations, seed }) => {
  const tracker = await createTracker({ database: readsUrl })
  const pool = new pg.Pool({ connectionString: readsUrl, max: 10 })
  const samples = { transcript_raw: [], transcript_api: [], user_sessions_raw: [], user_sessions_api: [] }
  for (let index = 0; index < iterations; index++) {
    const sessionId = uuid('8000', (index * 7919) % seed.longSessions)
    const userId = uuid('9000', (index * 104_729) % seed.users)
    const reads = [
      ['transcript_raw', async () => (await pool.query(RAW_TRANSCRIPT, [sessionId])).rows],
      ['transcript_api', () => tracker.listMessages(sessionId, { limit: 200 })],
      ['user_sessions_raw', async () => (await pool.query(RAW_USER_SESSIONS, [userId])).rows],
      ['user_sessions_api', async () => (await tracker.listSessions({ userId, limit: 20 })).sessions],
    ]
    // Alternate which goes first, so neither always finds the other's pages cached.
    if (index % 2) reads.reverse()
    for (const [name, read] of reads) samples[name].push(await time(read))
  }
  await pool.end()
  await tracker.close()
  const result = {}
  for (const [name, values] of Object.entries(samples)) {
    result[`${name}_p50`] = round(percentile(values.slice(5), 50), 3)
    result[`${name}_p99`] = round(percentile(values.slice(5), 99), 3)
  }
  return { read: result }
})
