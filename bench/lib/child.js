// The child side of a method: each method runs in a fresh process, reads its
// settings from BENCH_CONFIG and prints one result line the parent parses.
export const RESULT_PREFIX = 'BENCH_RESULT '

/** Runs `measure(config)` and prints what it returns (or the error) for the parent. */
export function runMethod(measure) {
  const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}')
  measure(config).then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
      process.exit(0)
    },
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`)
      process.exit(1)
    },
  )
}

/**
 * Times `work(running)`, where `running()` tells whether to start another
 * write (false after `seconds`), and reports messages/second of the rows it
 * wrote: every write started is awaited, so the clock stops at the last commit.
 */
export async function timed(seconds, work) {
  const start = process.hrtime.bigint()
  const stopAt = start + BigInt(Math.round(seconds * 1e9))
  const rows = await work(() => process.hrtime.bigint() < stopAt)
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9
  return { rows, seconds: elapsed, rowsPerSecond: rows / elapsed }
}

/** Runs `count` tasks with at most `concurrency` at once. */
export async function withConcurrency(count, concurrency, task) {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}
