// One request to the server, retried on network errors, 5xx and 429 within a
// retry budget; its error says whether the request may have taken effect.
import { parseRetryAfter, retryAfterFromDetails, retrySchedule, sleep, type RetryPolicy } from './backoff.js'
import { errorFromWire, NetworkError, type ParleyError } from '../model/errors.js'

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface HttpOptions extends RetryPolicy {
  baseUrl: string
  apiKey: string
  fetch: FetchLike
  /** An attempt without an answer by then is abandoned and counts as a network error. */
  requestTimeoutMs: number
}

/** A request function bound to one server and key: JSON answers parsed, or (`text`) the body as sent. */
export type Http = <T>(method: 'GET' | 'POST', path: string, body?: unknown, answer?: 'json' | 'text') => Promise<T>

/** Whether a failed attempt is worth repeating: never for 4xx other than 429. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500
}

// Failures that happen before a byte of the request leaves (Node's codes; browsers name none).
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/** Whether a fetch that threw may have delivered the request: yes, unless the connection was never made. */
function maybeDelivered(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return !(typeof code === 'string' && NOT_SENT_CODES.has(code))
}

/**
 * Requests that retry with exponential backoff and jitter, honouring
 * `Retry-After`, for as long as the retry budget lasts, and throw the
 * library's typed errors with `outcome`: `indeterminate` when some attempt
 * may have reached the server without its answer coming back, else
 * `not_stored`. Only idempotent requests go through it: the client gives
 * every session and message an id.
 */
export function createHttp(options: HttpOptions): Http {
  const base = options.baseUrl.replace(/\/+$/, '')
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown, answer: 'json' | 'text' = 'json'): Promise<T> => {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        ...(answer === 'json' && { accept: 'application/json' }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }
    const nextWait = retrySchedule(options)
    let unanswered = false
    for (;;) {
      let failure: ParleyError
      let retryAfterMs: number | undefined
      let response: Response | undefined
      let text = ''
      try {
        response = await options.fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) })
        text = await response.text()
      } catch (error) {
        // No answer arrived (connection refused or reset, aborted), or its body broke
        // off: either way there is no answer to read, so it is retried like one.
        response = undefined
        unanswered ||= maybeDelivered(error)
        failure = new NetworkError('NETWORK_ERROR', `could not reach ${base}: ${(error as Error)?.message ?? String(error)}`, { cause: error })
      }
      if (response !== undefined) {
        if (response.ok && answer === 'text') return text as T
        const data = text === '' ? undefined : safeJson(text)
        if (response.ok) return data as T
        failure = errorFromWire(response.status, data)
        if (!retryable(response.status)) throw withOutcome(failure, unanswered)
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? retryAfterFromDetails(failure.details)
      }
      const wait = nextWait(retryAfterMs)
      if (wait === undefined) throw withOutcome(failure!, unanswered)
      await sleep(wait)
    }
  }
}

function withOutcome(error: ParleyError, unanswered: boolean): ParleyError {
  return error.concerning(error.messageIds, unanswered ? 'indeterminate' : 'not_stored')
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
