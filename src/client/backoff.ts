/** How long to wait before retry number `attempt` (0-based): exponential with full jitter, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt))
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** How one request retries: at most `maxRetries` times, and never past `retryBudgetMs` after its first attempt. */
export interface RetryPolicy {
  maxRetries: number
  /** Total time from the first attempt within which a retry may start. */
  retryBudgetMs: number
  retryBaseMs: number
  /** Longest backoff between attempts (a server's `Retry-After` may ask for longer, and is obeyed). */
  retryMaxMs: number
}

/**
 * The waits of one request's retries: each call gives the wait before the next
 * attempt, or undefined when the retries are spent (the count, or the budget:
 * a wait that would start the attempt after the budget gives up instead). A
 * `Retry-After` is obeyed, never undercut, with up to a fifth added so that
 * clients refused together do not come back together.
 */
export function retrySchedule(policy: RetryPolicy, now: () => number = Date.now, random: () => number = Math.random) {
  const deadline = now() + policy.retryBudgetMs
  let attempt = 0
  return (retryAfterMs?: number): number | undefined => {
    if (attempt >= policy.maxRetries) return undefined
    const wait =
      retryAfterMs === undefined ? backoffDelay(attempt, policy.retryBaseMs, policy.retryMaxMs, random) : Math.ceil(retryAfterMs * (1 + 0.2 * random()))
    if (now() + wait > deadline) return undefined
    attempt++
    return wait
  }
}

/** The `retry_after_seconds` of an error body's details (error frames carry it instead of a header), in milliseconds. */
export function retryAfterFromDetails(details: Record<string, unknown>): number | undefined {
  const seconds = details.retry_after_seconds
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}
