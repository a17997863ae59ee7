// The SDK's request function against a scripted fetch: what it sends, which
// answers it retries (network errors, 429, 5xx) and how long it waits, and
// the typed error each status becomes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHttp, type HttpOptions } from '../../src/client/http.js'
import {
  ConflictError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  ParleyError,
  RateLimitedError,
  RequestRejectedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../src/model/errors.js'

interface Sent {
  url: string
  init: RequestInit
  at: number
}

type Answer = Response | Error | ((init: RequestInit) => Promise<Response>)

/** A fetch that answers from a script and records each request and when it came. */
function scripted(answers: Answer[]) {
  const sent: Sent[] = []
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    sent.push({ url, init, at: Date.now() })
    const answer = answers.shift() ?? new Response('{}', { status: 200 })
    if (answer instanceof Error) throw answer
    if (typeof answer === 'function') return answer(init)
    return answer
  }
  return { sent, fetch }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
const wireError = (status: number, code = 'SOME_CODE', details: Record<string, unknown> = {}) =>
  json(status, { error: { code, message: `message ${status}`, details } })

function http(answers: Answer[], options: Partial<HttpOptions> = {}) {
  const fake = scripted(answers)
  const request = createHttp({
    baseUrl: 'https://parley.test/api//',
    apiKey: 'key-1',
    fetch: fake.fetch,
    maxRetries: 2,
    retryBudgetMs: 60_000,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    requestTimeoutMs: 5000,
    ...options,
  })
  return { request, sent: fake.sent }
}

/** Runs the request to its end under fake timers; the outcome either way. */
async function run<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then((value) => ({ value }), (error: unknown) => ({ error }))
  await vi.runAllTimersAsync()
  return outcome
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
  vi.spyOn(Math, 'random').mockReturnValue(1)
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('what it sends', () => {
  it('a GET: the path under the base URL without its trailing slashes, the key, JSON asked for, no body', async () => {
    const { request, sent } = http([json(200, { ok: 1 })])
    expect(await request('GET', '/v1/sessions?limit=1')).toEqual({ ok: 1 })
    expect(sent).toHaveLength(1)
    expect(sent[0]!.url).toBe('https://parley.test/api/v1/sessions?limit=1')
    expect(sent[0]!.init.method).toBe('GET')
    expect(sent[0]!.init.headers).toEqual({ authorization: 'Bearer key-1', accept: 'application/json' })
    expect(sent[0]!.init.body).toBeUndefined()
    expect(sent[0]!.init.signal).toBeInstanceOf(AbortSignal)
  })

  it('a POST: the body as JSON with its content type', async () => {
    const { request, sent } = http([json(201, { id: 'x' })])
    expect(await request('POST', '/v1/sessions', { user_id: null })).toEqual({ id: 'x' })
    expect(sent[0]!.init.method).toBe('POST')
    expect(sent[0]!.init.headers).toEqual({ authorization: 'Bearer key-1', accept: 'application/json', 'content-type': 'application/json' })
    expect(sent[0]!.init.body).toBe('{"user_id":null}')
  })

  it('a text answer: no accept header, and the body exactly as sent', async () => {
    const { request, sent } = http([new Response('1\n00:00:00,000 --> 00:00:01,000\nhi\n', { status: 200 })])
    expect(await request('GET', '/v1/export', undefined, 'text')).toBe('1\n00:00:00,000 --> 00:00:01,000\nhi\n')
    expect(sent[0]!.init.headers).toEqual({ authorization: 'Bearer key-1' })
  })

  it('an empty or unreadable JSON answer reads as undefined', async () => {
    const { request } = http([new Response('', { status: 200 }), new Response('not json', { status: 200 })])
    expect(await request('GET', '/a')).toBeUndefined()
    expect(await request('GET', '/b')).toBeUndefined()
  })
})

describe('the typed error of each status, thrown without a retry', () => {
  const cases: Array<[number, new (...args: never[]) => ParleyError]> = [
    [400, ValidationError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, RequestRejectedError],
    [422, RequestRejectedError],
    [499, RequestRejectedError],
  ]
  for (const [status, Class] of cases) {
    it(`${status} → ${Class.name}`, async () => {
      const { request, sent } = http([wireError(status, 'SOME_CODE', { field: 'role', reason: 'is wrong' })])
      const { error } = await run(request('POST', '/v1/messages', {}))
      expect(error).toBeInstanceOf(Class)
      expect((error as ParleyError).code).toBe('SOME_CODE')
      expect(sent).toHaveLength(1)
    })
  }

  it('400 keeps the field and reason of the body', async () => {
    const { request } = http([wireError(400, 'VALIDATION_FAILED', { field: 'messages[1].role', reason: 'must be one of user' })])
    const { error } = await run(request('POST', '/v1/messages', {}))
    expect(error).toMatchObject({ field: 'messages[1].role', reason: 'must be one of user', code: 'VALIDATION_FAILED' })
  })
})

describe('retries', () => {
  it('retries 429 and 5xx up to maxRetries and then throws the last answer as its typed error', async () => {
    const { request, sent } = http([wireError(500, 'A'), wireError(502, 'B'), wireError(503, 'C')])
    const { error } = await run(request('GET', '/x'))
    expect(sent).toHaveLength(3)
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as ParleyError).code).toBe('C')
  })

  it('succeeds on a retry after a 429, a 500 or a network error', async () => {
    const { request, sent } = http([wireError(429), new TypeError('fetch failed'), json(200, { ok: true })])
    expect((await run(request('GET', '/x'))).value).toEqual({ ok: true })
    expect(sent).toHaveLength(3)
  })

  it('throws a 429 as RateLimitedError once the retries are spent', async () => {
    const { request, sent } = http([wireError(429), wireError(429)], { maxRetries: 1 })
    expect((await run(request('GET', '/x'))).error).toBeInstanceOf(RateLimitedError)
    expect(sent).toHaveLength(2)
  })

  it('makes one attempt with maxRetries 0', async () => {
    const { request, sent } = http([wireError(503)], { maxRetries: 0 })
    expect((await run(request('GET', '/x'))).error).toBeInstanceOf(UnavailableError)
    expect(sent).toHaveLength(1)
  })

  it('waits with exponential backoff between attempts, capped at retryMaxMs', async () => {
    const { request, sent } = http([wireError(500), wireError(500), wireError(500), wireError(500), wireError(500)], {
      maxRetries: 4,
      retryBaseMs: 300,
    })
    await run(request('GET', '/x'))
    expect(sent.map((request) => request.at)).toEqual([0, 300, 900, 1900, 2900])
  })

  it('obeys Retry-After, longer than retryMaxMs too, with at most a fifth added as jitter', async () => {
    const { request, sent } = http([new Response(JSON.stringify({ error: { code: 'R' } }), { status: 429, headers: { 'retry-after': '0.5' } }), json(200, {})])
    await run(request('GET', '/x'))
    expect(sent.map((request) => request.at)).toEqual([0, 600]) // Math.random() is 1 here
    const long = http([new Response('', { status: 503, headers: { 'retry-after': '20' } }), json(200, {})])
    await run(long.request('GET', '/x'))
    const [first, second] = long.sent.map((request) => request.at)
    expect(second! - first!).toBe(24_000)
  })

  it('reads the wait from details.retry_after_seconds when the header is missing', async () => {
    const { request, sent } = http([wireError(503, 'DATABASE_UNAVAILABLE', { retry_after_seconds: 2 }), json(200, {})])
    await run(request('GET', '/x'))
    expect(sent.map((request) => request.at)).toEqual([0, 2400])
  })

  it('stops retrying when the next attempt would start after retryBudgetMs, and says so at once for a longer Retry-After', async () => {
    const failing = Array.from({ length: 50 }, () => wireError(500))
    const { request, sent } = http(failing, { maxRetries: Number.POSITIVE_INFINITY, retryBudgetMs: 3000, retryBaseMs: 1000, retryMaxMs: 1000 })
    const { error } = await run(request('GET', '/x'))
    expect(error).toBeInstanceOf(ParleyError)
    expect(sent.map((request) => request.at)).toEqual([0, 1000, 2000, 3000])
    const refused = http([new Response('', { status: 503, headers: { 'retry-after': '120' } })], { retryBudgetMs: 60_000 })
    const outcome = await run(refused.request('GET', '/x'))
    expect(outcome.error).toBeInstanceOf(UnavailableError)
    expect(refused.sent).toHaveLength(1)
  })
  it('a network error becomes NetworkError naming the server and the cause, after the retries', async () => {
    const cause = new TypeError('connect ECONNREFUSED')
    const { request, sent } = http([cause, cause, cause])
    const { error } = await run(request('GET', '/x'))
    expect(sent).toHaveLength(3)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as NetworkError).code).toBe('NETWORK_ERROR')
    expect((error as NetworkError).message).toBe('could not reach https://parley.test/api: connect ECONNREFUSED')
    expect((error as NetworkError).cause).toBe(cause)
  })

  it('a non-Error thrown by fetch is named as it is', async () => {
    const fetchThrowing = createHttp({
      baseUrl: 'https://p.test',
      apiKey: 'k',
      fetch: async () => {
        throw 'refused'
      },
      maxRetries: 0,
      retryBudgetMs: 1000,
      retryBaseMs: 1,
      retryMaxMs: 1,
      requestTimeoutMs: 1000,
    })
    const { error } = await run(fetchThrowing('GET', '/x'))
    expect((error as NetworkError).message).toBe('could not reach https://p.test: refused')
    const throwsNothing = createHttp({
      baseUrl: 'https://p.test',
      apiKey: 'k',
      fetch: async () => {
        throw undefined
      },
      maxRetries: 0,
      retryBudgetMs: 1000,
      retryBaseMs: 1,
      retryMaxMs: 1,
      requestTimeoutMs: 1000,
    })
    const nothing = await run(throwsNothing('GET', '/x'))
    expect(nothing.error).toBeInstanceOf(NetworkError)
    expect((nothing.error as NetworkError).message).toBe('could not reach https://p.test: undefined')
  })

  it('a body that breaks off is a network error, and retried', async () => {
    const broken = new Response(
      new ReadableStream({
        start(controller) {
          controller.error(new Error('socket hang up'))
        },
      }),
      { status: 200 },
    )
    const { request, sent } = http([broken, json(200, { ok: 1 })])
    expect((await run(request('GET', '/x'))).value).toEqual({ ok: 1 })
    expect(sent).toHaveLength(2)
  })
})

describe('the outcome of a request that failed', () => {
  const refused = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })

  it('not_stored when every attempt was answered (the server stores nothing when it answers an error)', async () => {
    const { request } = http([wireError(503), wireError(503), wireError(503)])
    expect((await run(request('POST', '/x', {}))).error).toMatchObject({ outcome: 'not_stored', messageIds: [] })
    const invalid = http([wireError(400, 'VALIDATION_FAILED', { field: 'role' })])
    expect((await run(invalid.request('POST', '/x', {}))).error).toMatchObject({ outcome: 'not_stored', field: 'role' })
  })

  it('not_stored when the connection was refused: the request never left', async () => {
    const { request, sent } = http([refused(), refused(), refused()])
    const { error } = await run(request('POST', '/x', {}))
    expect(sent).toHaveLength(3)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ outcome: 'not_stored' })
  })

  it('only codes that mean "no connection was made" count as not sent', async () => {
    const failing = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) })
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']) {
      const { request } = http([failing(code)], { maxRetries: 0 })
      expect((await run(request('POST', '/x', {}))).error).toMatchObject({ outcome: 'not_stored' })
    }
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET']) {
      const { request } = http([failing(code)], { maxRetries: 0 })
      expect((await run(request('POST', '/x', {}))).error).toMatchObject({ outcome: 'indeterminate' })
    }
  })

  it('indeterminate once any attempt may have arrived without its answer, whatever the later ones said', async () => {
    const { request } = http([new TypeError('fetch failed: other side closed'), refused(), wireError(503, 'LATER')])
    const { error } = await run(request('POST', '/x', {}))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error).toMatchObject({ code: 'LATER', outcome: 'indeterminate' })
  })
})

describe('the request timeout', () => {
  it('abandons an attempt without an answer after requestTimeoutMs, as a network error', async () => {
    vi.useRealTimers()
    const hangs = (init: RequestInit) =>
      new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)))
    const { request, sent } = http([hangs], { requestTimeoutMs: 30, maxRetries: 0 })
    const started = Date.now()
    const error = await request('GET', '/x').catch((error: unknown) => error)
    expect(error).toBeInstanceOf(NetworkError)
    expect(sent).toHaveLength(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
  })
})
