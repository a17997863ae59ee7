// A steady offered load: `rate` calls a second, started on schedule whether or
// not earlier ones have finished (an open loop), each call's time recorded.
import { percentile, round } from './stats.js'

export async function openLoop({ rate, seconds, call }) {
  const total = Math.round(rate * seconds)
  const latencies = []
  const pending = []
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1)
    for (; sent < due; sent++) {
      const index = sent
      const began = performance.now()
      pending.push(call(index).then(() => latencies.push(performance.now() - began)))
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await Promise.all(pending)
  const elapsed = (performance.now() - start) / 1000
  return {
    rows: total,
    seconds: elapsed,
    offeredPerSecond: rate,
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
  }
}
