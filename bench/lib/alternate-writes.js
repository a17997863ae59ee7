// The same writes through several trackers on one database, interleaved so
// that the machine's noise (a shared disk's fsync, a neighbour's burst) falls
// on all of them alike: each single write and each batch goes to every
// tracker in turn, the order rotating; the concurrent runs alternate round by
// round. The first round warms up and is not counted. Rates come from median
// times (of a write, a batch, a concurrent round): a stall of the shared disk
// or a checkpoint lands on one tracker's write and would decide a sum.
import { median, msSince, round } from './stats.js'

export const WRITES_PER_ROUND = 300
export const BATCH = 100
export const CONVERSATIONS = 64

const rotated = (entries, by) => entries.map((_, index) => entries[(index + by) % entries.length])

/** Messages per second of each tracker: one at a time, in batches of BATCH, and CONVERSATIONS at once; ratios to `baseline`. */
export async function alternateWrites(trackers, { rounds = 7, baseline = Object.keys(trackers)[0] } = {}) {
  const entries = Object.entries(trackers)
  const spent = Object.fromEntries(entries.map(([name]) => [name, { single: [], batch: [], concurrent: [] }]))
  const timed = async (work) => {
    const started = process.hrtime.bigint()
    await work()
    return msSince(started)
  }
  for (let r = 0; r < rounds; r++) {
    const counted = r > 0
    const sessionOf = Object.fromEntries(await Promise.all(entries.map(async ([name, tracker]) => [name, (await tracker.startSession({})).sessionId])))
    for (let i = 0; i < WRITES_PER_ROUND; i++) {
      for (const [name, tracker] of rotated(entries, i)) {
        const ms = await timed(() => tracker.addMessage({ sessionId: sessionOf[name], role: 'user', content: `turn ${i}` }))
        if (counted) spent[name].single.push(ms)
      }
    }
    for (let i = 0; i < WRITES_PER_ROUND / 10; i++) {
      for (const [name, tracker] of rotated(entries, i)) {
        const batch = Array.from({ length: BATCH }, (_, n) => ({ sessionId: sessionOf[name], role: 'assistant', content: `reply ${n}` }))
        const ms = await timed(() => tracker.addMessages(batch))
        if (counted) spent[name].batch.push(ms)
      }
    }
    for (const [name, tracker] of rotated(entries, r)) {
      const sessions = await Promise.all(Array.from({ length: CONVERSATIONS }, () => tracker.startSession({})))
      const ms = await timed(() =>
        Promise.all(
          sessions.map(async ({ sessionId }) => {
            for (let i = 0; i < WRITES_PER_ROUND / 10; i++) await tracker.addMessage({ sessionId, role: 'user', content: `turn ${i}` })
          }),
        ),
      )
      if (counted) spent[name].concurrent.push(ms)
    }
  }
  const perSecond = (times, count) => Math.round(count / (median(times) / 1e3))
  const rows = {}
  for (const [name, times] of Object.entries(spent)) {
    rows[name] = {
      single_msg_per_s: perSecond(times.single, 1),
      batch_msg_per_s: perSecond(times.batch, BATCH),
      concurrent_msg_per_s: perSecond(times.concurrent, (WRITES_PER_ROUND / 10) * CONVERSATIONS),
    }
  }
  return withRatios(rows, baseline)
}

const RATES = ['single', 'batch', 'concurrent']

function withRatios(rows, baseline) {
  for (const row of Object.values(rows)) {
    for (const rate of RATES) row[`${rate}_ratio`] = round(row[`${rate}_msg_per_s`] / rows[baseline][`${rate}_msg_per_s`], 2)
  }
  return rows
}

/** The geometric mean of several runs' rates per tracker (runs that opened the trackers in different orders), with ratios. */
export function combineRuns(runs, baseline) {
  const rows = {}
  for (const name of Object.keys(runs[0])) {
    rows[name] = {}
    for (const rate of RATES) {
      const key = `${rate}_msg_per_s`
      rows[name][key] = Math.round(Math.exp(runs.reduce((sum, run) => sum + Math.log(run[name][key]), 0) / runs.length))
    }
  }
  return withRatios(rows, baseline)
}

/** One line per tracker: its rates and their ratios to the baseline. */
export function printRates(rows) {
  for (const [name, row] of Object.entries(rows)) {
    console.log(
      `${name.padEnd(12)} addMessage ${String(row.single_msg_per_s).padStart(6)} msg/s ${String(row.single_ratio).padStart(5)}x` +
        `   addMessages(${BATCH}) ${String(row.batch_msg_per_s).padStart(7)} msg/s ${String(row.batch_ratio).padStart(5)}x` +
        `   ${CONVERSATIONS} at once ${String(row.concurrent_msg_per_s).padStart(6)} msg/s ${String(row.concurrent_ratio).padStart(5)}x`,
    )
  }
}
