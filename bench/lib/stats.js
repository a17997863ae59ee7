/** Sorted copy of numbers. */
const sorted = (values) => [...values].sort((a, b) => a - b)

export function median(values) {
  if (values.length === 0) return null
  const s = sorted(values)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Nearest-rank percentile, `p` in 0..100. */
export function percentile(values, p) {
  if (values.length === 0) return null
  const s = sorted(values)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export function round(value, digits = 0) {
  if (value === null || value === undefined) return null
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** Milliseconds since `start` (a process.hrtime.bigint()). */
export function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6
}
