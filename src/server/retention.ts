import type { Logger } from '../logger.js'
import type { Tracker } from '../tracker/tracker.js'

/** How often `parley serve --retention-days` prunes (and once at start). */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000

const DAY_MS = 86_400_000

/**
 * Deletes ended sessions older than `days` now and then every `intervalMs`.
 * Any number of replicas may run it: the prune lock lets one at a time work,
 * the others find it held and skip that round. Returns the function that stops it.
 */
export function startRetention(tracker: Tracker, options: { days: number; log: Logger; intervalMs?: number }): () => Promise<void> {
  let running: Promise<void> = Promise.resolve()
  const round = () => {
    running = running.then(async () => {
      try {
        const endedBefore = new Date(Date.now() - options.days * DAY_MS)
        const result = await tracker.prune({ endedBefore, actor: 'retention' })
        if (result.sessions > 0) options.log.info({ ...result, retentionDays: options.days }, `pruned ${result.sessions} sessions ended before ${endedBefore.toISOString()}`)
      } catch (error) {
        options.log.error({ err: error }, 'retention prune failed; it runs again at the next interval')
      }
    })
  }
  round()
  const timer = setInterval(round, options.intervalMs ?? RETENTION_INTERVAL_MS)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}
