import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import { every } from './every.js'

/** How long a SIGTERM waits for what is in flight; past it the process exits 1 ("killed by timeout"). */
export const SHUTDOWN_DEADLINE_MS = 10_000
/** From then on every statement still running is cancelled, leaving the rest of the deadline for rollbacks and answers. */
export const CANCEL_ALL_AFTER_MS = 5_000
const SWEEP_MS = 250

/**
 * Runs while the server closes, so that no wait outlives the deadline: from
 * the signal on, statements waiting on a lock (a row someone holds in psql)
 * are cancelled at once, every 250 ms; after `cancelAllAfterMs`, everything
 * still running is. A cancelled write rolls back and its caller hears `503
 * SHUTTING_DOWN` before the process exits, so nothing commits after it has
 * answered. Returns the function that stops it.
 */
export function cancelWaitsWhileClosing(database: Database, log: Logger, cancelAllAfterMs = CANCEL_ALL_AFTER_MS): () => void {
  const cancel = database.cancelStatements
  if (!cancel) return () => {}
  const startedAt = Date.now()
  return every(
    SWEEP_MS,
    async () => {
      const which = Date.now() - startedAt >= cancelAllAfterMs ? 'all' : 'lock-waits'
      const count = await cancel.call(database, which)
      if (count > 0) log.info({ cancelled: count, which }, 'cancelled statements so that the shutdown ends in time')
    },
    (error) => log.warn({ err: error }, 'could not cancel statements for the shutdown'),
    { immediately: true },
  )
}
