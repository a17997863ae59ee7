// One request to the server, retried on network errors, 5xx and 429.
import { backoffDelay, parseRetryAfter, sleep } from './backoff.js'
import { errorFromWire, NetworkError, type ParleyError } from '../model/errors.js'

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface HttpOptions {
  baseUrl: string
  apiKey: string
  fetch: FetchLike
  /** Retries after the first attempt. */
  maxRetries: number
  retryBaseMs: number
  /** Longest wait between attempts, also for a longer `Retry-After`. */
  retryMaxMs: number
  /** An attempt without an answer by then is abandoned and counts as a network error. */
  requestTimeoutMs: number
}

/** A request function bound to one server and key: JSON answers parsed, or (`text`) the body as sent. */
export type Http = <T>(method: 'GET' | 'POST', path: string, body?: unknown, answer?: 'json' | 'text') => Promise<T>

/** Whether a failed attempt is worth repeating: never for 4xx other than 429. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500
}

/**
 * Requests that retry with exponential backoff and jitter (honouring
 * `Retry-After`) and throw the library's typed errors. Only idempotent
 * requests go through it: the client gives every session and message an id.
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
    for (let attempt = 0; ; attempt++) {
      let failure: ParleyError
      let wait: number | undefined
      let response: Response | undefined
      let text = ''
      try {
        response = await options.fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) })
        text = await response.text()
      } catch (error) {
        // No answer arrived (connection refused or reset, aborted), or its body broke
        // off: either way there is no answer to read, so it is retried like one.
        response = undefined
        failure = new NetworkError('NETWORK_ERROR', `could not reach ${base}: ${(error as Error)?.message ?? String(error)}`, { cause: error })
      }
      if (response !== undefined) {
        if (response.ok && answer === 'text') return text as T
        const data = text === '' ? undefined : safeJson(text)
        if (response.ok) return data as T
        failure = errorFromWire(response.status, data)
        if (!retryable(response.status)) throw failure
        wait = parseRetryAfter(response.headers.get('retry-after'))
      }
      if (attempt >= options.maxRetries) throw failure!
      await sleep(Math.min(options.retryMaxMs, wait ?? backoffDelay(attempt, options.retryBaseMs, options.retryMaxMs)))
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
