// What a caller is told when input is refused, and what passes: every check
// of src/model/validate.ts at its edge, without a database. A refused input
// names its field and stores nothing; the limits hold to the byte.
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/model/errors.js'
import { DEFAULT_LIMITS, MAX_REASON_LENGTH, MAX_URL_LENGTH, PAGE_LIMITS, type Limits } from '../../src/model/limits.js'
import {
  describe as describeValue,
  isUuid,
  validateAudit,
  validateEndReason,
  validateExportWindow,
  validateListMessages,
  validateListSessions,
  validateMessages,
  validateSearch,
  validateSessionId,
  validateStartSession,
  validateStats,
} from '../../src/model/validate.js'

const sessionId = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6'
const otherId = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f7'
const limits: Limits = { maxContentBytes: 12, maxMetadataBytes: 20, maxMessagesPerCall: 3 }
const message = (extra: Record<string, unknown> = {}) => ({ sessionId, role: 'user', content: 'hi', ...extra }) as never

/** The ValidationError `call` throws, as `field: reason`. */
function refusal(call: () => unknown): string {
  try {
    call()
  } catch (error) {
    if (error instanceof ValidationError) {
      expect(error.message).toBe(`${error.field}: ${error.reason}`)
      return error.message
    }
    throw error
  }
  throw new Error('accepted')
}

describe('UUIDs', () => {
  it('accepts any version in either case and stores it in lower case', () => {
    expect(isUuid(sessionId)).toBe(true)
    expect(isUuid(sessionId.toUpperCase())).toBe(true)
    expect(validateSessionId(sessionId.toUpperCase())).toBe(sessionId)
  })

  it('refuses anything around a UUID, at either end, and non-strings', () => {
    for (const value of [`x${sessionId}`, `${sessionId}x`, `{${sessionId}}`, `urn:uuid:${sessionId}`, sessionId.slice(1), sessionId.replace(/-/g, ''), '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5fg']) {
      expect(isUuid(value), value).toBe(false)
    }
    expect(isUuid(123)).toBe(false)
    expect(isUuid({ toString: () => sessionId })).toBe(false)
    expect(refusal(() => validateSessionId(`${sessionId}-abcde`))).toBe(
      `sessionId: must be a UUID such as 0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6; got "${sessionId}-abc…"`,
    )
  })

  it('names a missing one as required, under the field it was asked as', () => {
    expect(refusal(() => validateSessionId(undefined))).toBe('sessionId: is required')
    expect(refusal(() => validateSessionId(null, 'session'))).toBe('session: is required')
    expect(refusal(() => validateSessionId(42, 'session'))).toBe('session: must be a UUID such as 0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6; got number 42')
  })
})

describe('validateMessages', () => {
  it('refuses a non-array and an empty call', () => {
    expect(refusal(() => validateMessages('x' as never, limits))).toBe('messages: must be an array of messages')
    expect(refusal(() => validateMessages([], limits))).toBe('messages: must hold at least one message')
  })

  it('takes exactly maxMessagesPerCall messages and refuses one more', () => {
    expect(validateMessages([message(), message(), message()], limits)).toHaveLength(3)
    expect(refusal(() => validateMessages([message(), message(), message(), message()], limits))).toBe(
      'messages: holds 4 messages; at most 3 per call',
    )
  })

  it('refuses the same id twice in one call, naming the second', () => {
    expect(refusal(() => validateMessages([message({ id: otherId }), message(), message({ id: otherId.toUpperCase() })], limits))).toBe(
      'messages[2].id: appears twice in one call',
    )
    const [a, b] = validateMessages([message(), message()], limits)
    expect(a!.id).not.toBe(b!.id)
  })

  it('returns each message normalised, with defaults for what was left out', () => {
    const createdAt = '2026-01-31T09:30:00.250+01:00'
    expect(validateMessages([message({ id: otherId.toUpperCase(), sessionId: sessionId.toUpperCase(), role: 'tool', audioUrl: 'https://a.test/1.wav', metadata: { a: 1 }, createdAt })], limits)).toEqual([
      {
        id: otherId,
        sessionId,
        role: 'tool',
        content: 'hi',
        audioUrl: 'https://a.test/1.wav',
        metadata: { a: 1 },
        metadataJson: '{"a":1}',
        createdAt: new Date('2026-01-31T08:30:00.250Z'),
      },
    ])
    const [plain] = validateMessages([message({ audioUrl: null, metadata: null, createdAt: null })], limits)
    expect(plain).toMatchObject({ audioUrl: null, metadata: {}, metadataJson: '{}', createdAt: null })
    expect(isUuid(plain!.id)).toBe(true)
  })

  it('names the field of a single message plainly and of a batch by its index', () => {
    expect(refusal(() => validateMessages([message({ role: 'bot' })], limits))).toBe('role: must be one of user, assistant, system, tool; got "bot"')
    expect(refusal(() => validateMessages([message(), message({ role: 5 })], limits))).toBe(
      'messages[1].role: must be one of user, assistant, system, tool; got number 5',
    )
    expect(refusal(() => validateMessages([message({ extra: 1 })], limits))).toBe(
      'extra: is not a known field (known: sessionId, role, content, id, audioUrl, metadata, createdAt)',
    )
    expect(refusal(() => validateMessages([message(), message({ extra: 1 })], limits))).toMatch(/^messages\[1\]\.extra: is not a known field/)
    expect(refusal(() => validateMessages([null as never], limits))).toBe('message: must be an object; got null')
    expect(refusal(() => validateMessages([message(), [] as never], limits))).toBe('messages[1]: must be an object; got an array')
    expect(refusal(() => validateMessages([message(), 'text' as never], limits))).toBe('messages[1]: must be an object; got "text"')
  })

  it('checks every field of a message', () => {
    expect(refusal(() => validateMessages([message({ sessionId: undefined })], limits))).toBe('sessionId: is required')
    expect(refusal(() => validateMessages([message({ id: 'one' })], limits))).toMatch(/^id: must be a UUID/)
    expect(refusal(() => validateMessages([message({ content: undefined })], limits))).toBe('content: must be a string; got nothing')
    expect(refusal(() => validateMessages([message({ content: 'a\u0000b' })], limits))).toBe('content: must not contain NUL (\\u0000) characters')
    expect(refusal(() => validateMessages([message({ audioUrl: 'turn.wav' })], limits))).toBe(
      'audioUrl: must be an absolute URL such as https://cdn.example.com/calls/turn-1.wav; got "turn.wav"',
    )
    expect(refusal(() => validateMessages([message({ audioUrl: 7 })], limits))).toBe('audioUrl: must be a string; got number 7')
    expect(refusal(() => validateMessages([message({ metadata: [] })], limits))).toBe('metadata: must be a JSON object; got an array')
    expect(refusal(() => validateMessages([message({ metadata: 'x' })], limits))).toBe('metadata: must be a JSON object; got "x"')
    expect(refusal(() => validateMessages([message({ createdAt: 5 })], limits))).toBe(
      'createdAt: must be a date or an RFC 3339 timestamp such as 2026-01-31T09:30:00Z; got number 5',
    )
  })

  it('cuts a long bad URL to 80 characters in the message', () => {
    const url = `x${'a'.repeat(100)}`
    expect(refusal(() => validateMessages([message({ audioUrl: url })], DEFAULT_LIMITS))).toBe(
      `audioUrl: must be an absolute URL such as https://cdn.example.com/calls/turn-1.wav; got "${url.slice(0, 80)}"`,
    )
  })

  it('refuses metadata that JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(refusal(() => validateMessages([message({ metadata: cyclic })], limits))).toMatch(/^metadata: cannot be stored as JSON: .*circular/i)
  })
})

describe('byte limits, at the exact edge', () => {
  const content = (text: string) => () => validateMessages([message({ content: text })], limits)[0]!.content

  it('takes content of exactly the limit and refuses one byte more', () => {
    expect(content('a'.repeat(12))()).toBe('a'.repeat(12))
    expect(refusal(content('a'.repeat(13)))).toBe('content: is 13 bytes; the limit is 12')
  })

  it('counts a 3-byte character (€, CJK) as 3 bytes', () => {
    expect(content('€€€€')()).toBe('€€€€') // 12 bytes
    expect(refusal(content('€€€€a'))).toBe('content: is 13 bytes; the limit is 12')
    expect(content('語語語語')()).toBe('語語語語')
    expect(refusal(content('語語語語a'))).toBe('content: is 13 bytes; the limit is 12')
    // 6 units: not counted as 2 bytes each (12 would fit)
    expect(refusal(content('€€€€€€'))).toBe('content: is 18 bytes; the limit is 12')
  })

  it('counts 2-byte characters, surrogate pairs and lone surrogates as UTF-8 writes them', () => {
    expect(content('éééééé')()).toBe('éééééé') // 12 bytes
    expect(refusal(content('ééééééa'))).toBe('content: is 13 bytes; the limit is 12')
    expect(refusal(content('\u07ff'.repeat(7)))).toBe('content: is 14 bytes; the limit is 12') // the last 2-byte code
    expect(refusal(content('\u0800'.repeat(5)))).toBe('content: is 15 bytes; the limit is 12') // the first 3-byte code
    expect(content('😀😀😀')()).toBe('😀😀😀') // 12 bytes in 6 units
    expect(refusal(content('😀😀😀a'))).toBe('content: is 13 bytes; the limit is 12')
    expect(refusal(content('\ud800\ud800\ud800\ud800a'))).toBe('content: is 13 bytes; the limit is 12') // each written as U+FFFD
    expect(refusal(content('\udc00\udc00\udc00\udc00a'))).toBe('content: is 13 bytes; the limit is 12')
    expect(refusal(content(`${'a'.repeat(10)}\ud83d`))).toBe('content: is 13 bytes; the limit is 12') // a high surrogate at the end
    expect(refusal(content('\x7f'.repeat(13)))).toBe('content: is 13 bytes; the limit is 12') // the last 1-byte code
    expect(refusal(content('\x80'.repeat(7)))).toBe('content: is 14 bytes; the limit is 12')
  })

  it('counts a pair of surrogates as 4 bytes only when a high one is followed by a low one', () => {
    expect(refusal(content('\ud800\udc00\ud800\udc00\ud800\udc00a'))).toBe('content: is 13 bytes; the limit is 12') // U+10000, the first pair
    expect(refusal(content('\udbff\udfff\udbff\udfff\udbff\udfffa'))).toBe('content: is 13 bytes; the limit is 12') // U+10FFFF, the last
    expect(refusal(content('€\udc00€\udc00a'))).toBe('content: is 13 bytes; the limit is 12') // a lone low surrogate after a BMP character
  })

  it('holds metadata to its limit as JSON, to the byte', () => {
    const fits = { k: 'a'.repeat(12) } // {"k":"aaaaaaaaaaaa"} is 20 bytes
    expect(validateMessages([message({ metadata: fits })], limits)[0]!.metadataJson).toBe(JSON.stringify(fits))
    expect(refusal(() => validateMessages([message({ metadata: { k: 'a'.repeat(13) } })], limits))).toBe(
      'metadata: is 21 bytes as JSON; the limit is 20',
    )
    expect(refusal(() => validateMessages([message({ metadata: { k: '€€€€a' } })], limits))).toBe('metadata: is 21 bytes as JSON; the limit is 20')
  })

  it('uses the default limits unless told otherwise', () => {
    const big = 'a'.repeat(DEFAULT_LIMITS.maxContentBytes)
    expect(validateMessages([message({ content: big })], DEFAULT_LIMITS)[0]!.content).toHaveLength(DEFAULT_LIMITS.maxContentBytes)
  })

  it('holds an audio URL to its byte limit', () => {
    const at = `https://a.test/${'a'.repeat(MAX_URL_LENGTH - 15)}`
    expect(validateMessages([message({ audioUrl: at })], DEFAULT_LIMITS)[0]!.audioUrl).toBe(at)
    expect(refusal(() => validateMessages([message({ audioUrl: `${at}a` })], DEFAULT_LIMITS))).toBe(
      `audioUrl: is ${MAX_URL_LENGTH + 1} bytes; the limit is ${MAX_URL_LENGTH}`,
    )
  })
})

describe('times', () => {
  const at = (value: unknown) => validateMessages([message({ createdAt: value })], limits)[0]!.createdAt
  const bad = (value: unknown) => refusal(() => at(value))

  it('accepts a Date and RFC 3339 with Z, z, an offset, a space or t, and fractions', () => {
    const date = new Date('2026-01-31T09:30:00Z')
    expect(at(date)).toBe(date)
    expect(at('2026-01-31T09:30:00Z')).toEqual(date)
    expect(at('2026-01-31t09:30:00z')).toEqual(date)
    expect(at('2026-01-31 09:30:00Z')).toEqual(date)
    expect(at('2026-01-31T11:30:00+02:00')).toEqual(date)
    expect(at('2026-01-31T09:00:00-00:30')).toEqual(date)
    expect(at('2026-01-31T09:30:00.5Z')).toEqual(new Date('2026-01-31T09:30:00.500Z'))
    expect(at('2024-02-29T23:59:59+23:59')).toEqual(new Date('2024-02-29T00:00:59Z'))
    expect(at('0001-01-01T00:00:00Z')).toEqual(new Date('0001-01-01T00:00:00Z'))
    expect(at('2026-12-31T00:00:00Z')).toEqual(new Date('2026-12-31T00:00:00Z'))
  })

  it('refuses a time that is no instant, or not in RFC 3339', () => {
    for (const value of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-01-31T24:00:00Z',
      '2026-01-31T09:60:00Z',
      '2026-01-31T09:30:60Z',
      '2026-01-31T09:30:00+24:00',
      '2026-01-31T09:30:00+01:60',
      '2026-01-31T09:30:00',
      '2026-01-31',
      '2026-01-31T09:30Z',
      'x2026-01-31T09:30:00Z',
      '2026-01-31T09:30:00Zx',
      '2026-01-31T09:30:00+0100',
      '2026-01-31T09:30:00.Z',
      '2026-01-31X09:30:00Z',
      'Sat, 31 Jan 2026 09:30:00 GMT',
      '1769851800000',
    ]) {
      expect(bad(value), value).toBe(`createdAt: must be a date or an RFC 3339 timestamp such as 2026-01-31T09:30:00Z; got "${value}"`)
    }
    expect(bad(new Date('nope'))).toMatch(/^createdAt: must be a date .*; got an object$/)
    expect(bad(1769851800000)).toMatch(/got number 1769851800000$/)
  })
})

describe('validateStartSession', () => {
  it('takes nothing at all, and gives defaults', () => {
    expect(validateStartSession(undefined, limits)).toEqual({ sessionId: null, userId: null, metadata: {}, startedAt: null })
  })

  it('normalises what it is given', () => {
    expect(
      validateStartSession({ sessionId: sessionId.toUpperCase(), userId: otherId, metadata: { a: 'b' }, startedAt: '2026-01-31T09:30:00Z' }, limits),
    ).toEqual({ sessionId, userId: otherId, metadata: { a: 'b' }, startedAt: new Date('2026-01-31T09:30:00Z') })
    expect(validateStartSession({ userId: null }, limits).userId).toBeNull()
  })

  it('names each bad field without a prefix', () => {
    expect(refusal(() => validateStartSession({ userId: 'bob' }, limits))).toMatch(/^userId: must be a UUID/)
    expect(refusal(() => validateStartSession({ sessionId: 'bob' }, limits))).toMatch(/^sessionId: must be a UUID/)
    expect(refusal(() => validateStartSession({ user: 1 } as never, limits))).toBe('user: is not a known field (known: sessionId, userId, metadata, startedAt)')
    expect(refusal(() => validateStartSession('x' as never, limits))).toBe('input: must be an object; got "x"')
    expect(refusal(() => validateStartSession({ metadata: { k: 'a'.repeat(13) } }, limits))).toBe('metadata: is 21 bytes as JSON; the limit is 20')
    expect(refusal(() => validateStartSession({ startedAt: 'today' }, limits))).toMatch(/^startedAt: must be a date/)
  })
})

describe('validateEndReason', () => {
  it('has no reason for nothing, null or an empty options object', () => {
    expect(validateEndReason(undefined)).toBeNull()
    expect(validateEndReason({})).toBeNull()
    expect(validateEndReason({ reason: null })).toBeNull()
    expect(validateEndReason({ reason: undefined })).toBeNull()
  })

  it('takes a reason up to its byte limit and refuses a byte more', () => {
    expect(validateEndReason({ reason: 'hangup' })).toBe('hangup')
    expect(validateEndReason({ reason: 'a'.repeat(MAX_REASON_LENGTH) })).toHaveLength(MAX_REASON_LENGTH)
    expect(refusal(() => validateEndReason({ reason: 'a'.repeat(MAX_REASON_LENGTH + 1) }))).toBe(`reason: is ${MAX_REASON_LENGTH + 1} bytes; the limit is ${MAX_REASON_LENGTH}`)
    expect(refusal(() => validateEndReason({ reason: 5 }))).toBe('reason: must be a string; got number 5')
    expect(refusal(() => validateEndReason({ why: 'x' }))).toBe('why: is not a known field (known: reason)')
    expect(refusal(() => validateEndReason('hangup'))).toBe('options: must be an object; got "hangup"')
  })
})

describe('page limits', () => {
  it('defaults, takes 1 and the maximum, refuses 0, max + 1, fractions and strings', () => {
    expect(validateListMessages(undefined)).toEqual({ after: null, limit: PAGE_LIMITS.messages.default })
    expect(validateListMessages({ limit: 1 }).limit).toBe(1)
    expect(validateListMessages({ limit: PAGE_LIMITS.messages.max }).limit).toBe(PAGE_LIMITS.messages.max)
    expect(validateListMessages({ limit: null } as never).limit).toBe(PAGE_LIMITS.messages.default)
    for (const limit of [0, PAGE_LIMITS.messages.max + 1, 1.5, '10', -1]) {
      expect(refusal(() => validateListMessages({ limit } as never)), String(limit)).toBe(
        `limit: must be a whole number from 1 to ${PAGE_LIMITS.messages.max}; got ${describeValue(limit)}`,
      )
    }
    expect(validateListSessions({ limit: PAGE_LIMITS.sessions.max }).limit).toBe(PAGE_LIMITS.sessions.max)
    expect(refusal(() => validateListSessions({ limit: PAGE_LIMITS.sessions.max + 1 }))).toMatch(/^limit: must be a whole number from 1 to 500;/)
    expect(validateSearch({ q: 'x', limit: PAGE_LIMITS.search.max }).limit).toBe(PAGE_LIMITS.search.max)
    expect(refusal(() => validateSearch({ q: 'x', limit: PAGE_LIMITS.search.max + 1 }))).toMatch(/^limit: must be a whole number from 1 to 100;/)
  })

  it('reads `after` as a message id', () => {
    expect(validateListMessages({ after: otherId.toUpperCase() }).after).toBe(otherId)
    expect(refusal(() => validateListMessages({ after: 'last' }))).toMatch(/^after: must be a UUID/)
    expect(refusal(() => validateListMessages({ before: otherId } as never))).toBe('before: is not a known field (known: after, limit)')
  })
})

describe('validateListSessions', () => {
  it('gives every filter its default', () => {
    expect(validateListSessions(undefined)).toEqual({
      userId: null,
      active: null,
      from: null,
      to: null,
      limit: PAGE_LIMITS.sessions.default,
      cursor: null,
      metadata: null,
      minDuration: null,
    })
  })

  it('passes each filter through', () => {
    expect(
      validateListSessions({
        userId: otherId,
        active: false,
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        limit: 1,
        cursor: 'abc',
        metadata: { channel: 'phone' },
        minDuration: 0,
      } as never),
    ).toEqual({
      userId: otherId,
      active: false,
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
      limit: 1,
      cursor: 'abc',
      metadata: { channel: 'phone' },
      minDuration: 0,
    })
    expect(validateListSessions({ active: true }).active).toBe(true)
    expect(validateListSessions({ active: null, cursor: null, metadata: null, minDuration: null } as never)).toMatchObject({
      active: null,
      cursor: null,
      metadata: null,
      minDuration: null,
    })
    expect(validateListSessions({ minDuration: 2.5 } as never).minDuration).toBe(2.5)
  })

  it('refuses an `active` that is not a boolean', () => {
    for (const active of ['true', 1, 0, {}]) {
      expect(refusal(() => validateListSessions({ active } as never))).toBe(`active: must be true or false; got ${describeValue(active)}`)
    }
  })

  it('refuses a cursor that is not a string, metadata that is not an object, a negative or endless minDuration', () => {
    expect(refusal(() => validateListSessions({ cursor: 5 } as never))).toBe('cursor: must be the nextCursor string of the previous page')
    for (const metadata of ['phone', [], 3]) {
      expect(refusal(() => validateListSessions({ metadata } as never))).toBe(
        `metadata: must be a JSON object such as {"channel": "phone"}; got ${describeValue(metadata)}`,
      )
    }
    for (const minDuration of [-1, Infinity, Number.NaN, '5']) {
      expect(refusal(() => validateListSessions({ minDuration } as never))).toBe(
        `minDuration: must be a number of seconds, 0 or more; got ${describeValue(minDuration)}`,
      )
    }
    expect(refusal(() => validateListSessions({ user: 'x' } as never))).toMatch(/^user: is not a known field \(known: userId, active,/)
    expect(refusal(() => validateListSessions({ from: 'yesterday' }))).toMatch(/^from: must be a date/)
    expect(refusal(() => validateListSessions({ to: 'today' }))).toMatch(/^to: must be a date/)
    expect(refusal(() => validateListSessions({ userId: 'me' }))).toMatch(/^userId: must be a UUID/)
  })
})

describe('validateSearch', () => {
  it('needs words to search for', () => {
    expect(refusal(() => validateSearch(undefined))).toBe('q: must hold the words to search for')
    expect(refusal(() => validateSearch({ q: ' \t\n' }))).toBe('q: must hold the words to search for')
    expect(refusal(() => validateSearch({ q: 5 } as never))).toBe('q: must be a string; got number 5')
    expect(refusal(() => validateSearch({ q: 'a'.repeat(MAX_URL_LENGTH + 1) }))).toBe(`q: is ${MAX_URL_LENGTH + 1} bytes; the limit is ${MAX_URL_LENGTH}`)
    expect(validateSearch({ q: 'a'.repeat(MAX_URL_LENGTH) }).q).toHaveLength(MAX_URL_LENGTH)
  })

  it('defaults and passes each filter', () => {
    expect(validateSearch({ q: ' weather ' })).toEqual({
      q: ' weather ',
      userId: null,
      role: null,
      from: null,
      to: null,
      limit: PAGE_LIMITS.search.default,
      cursor: null,
    })
    expect(
      validateSearch({ q: 'x', userId: otherId, role: 'assistant', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', limit: 1, cursor: 'c' } as never),
    ).toEqual({
      q: 'x',
      userId: otherId,
      role: 'assistant',
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-02T00:00:00Z'),
      limit: 1,
      cursor: 'c',
    })
    expect(validateSearch({ q: 'x', role: null } as never).role).toBeNull()
    expect(refusal(() => validateSearch({ q: 'x', role: 'bot' } as never))).toMatch(/^role: must be one of user, assistant, system, tool; got "bot"$/)
    expect(refusal(() => validateSearch({ q: 'x', cursor: 1 } as never))).toBe('cursor: must be the nextCursor string of the previous page')
    expect(refusal(() => validateSearch({ q: 'x', page: 2 } as never))).toMatch(/^page: is not a known field/)
    expect(refusal(() => validateSearch({ q: 'x', userId: 'me' }))).toMatch(/^userId: must be a UUID/)
    expect(refusal(() => validateSearch({ q: 'x', from: 'x' }))).toMatch(/^from: must be a date/)
    expect(refusal(() => validateSearch({ q: 'x', to: 'x' }))).toMatch(/^to: must be a date/)
  })
})

describe('validateStats', () => {
  it('takes a range whose ends may be equal, and refuses one that runs backwards', () => {
    expect(validateStats(undefined)).toEqual({ userId: null, from: null, to: null })
    const at = '2026-01-01T00:00:00Z'
    expect(validateStats({ userId: otherId, from: at, to: at })).toEqual({ userId: otherId, from: new Date(at), to: new Date(at) })
    expect(validateStats({ to: at }).to).toEqual(new Date(at))
    expect(validateStats({ from: at }).from).toEqual(new Date(at))
    expect(refusal(() => validateStats({ from: '2026-01-01T00:00:01Z', to: at }))).toBe('to: must not be before from')
    expect(refusal(() => validateStats({ user: 1 } as never))).toBe('user: is not a known field (known: userId, from, to)')
    expect(refusal(() => validateStats({ userId: 'x' }))).toMatch(/^userId: must be a UUID/)
    expect(refusal(() => validateStats({ from: 'x' }))).toMatch(/^from: must be a date/)
    expect(refusal(() => validateStats({ to: 'x' }))).toMatch(/^to: must be a date/)
  })
})

describe('how a refused value is named', () => {
  it('gives its kind, and a short string or number itself', () => {
    expect(describeValue(undefined)).toBe('nothing')
    expect(describeValue(null)).toBe('null')
    expect(describeValue([1])).toBe('an array')
    expect(describeValue({})).toBe('an object')
    expect(describeValue('a'.repeat(40))).toBe(`"${'a'.repeat(40)}"`)
    expect(describeValue('a'.repeat(41))).toBe(`"${'a'.repeat(40)}…"`)
    expect(describeValue(true)).toBe('boolean true')
    expect(describeValue(1.5)).toBe('number 1.5')
  })
})

describe('NUL anywhere in metadata', () => {
  const big: Limits = { ...limits, maxMetadataBytes: 1000 }
  const refused = (metadata: unknown) => refusal(() => validateMessages([message({ metadata })], big))

  it('is found in any key or value, beside nulls, numbers and other entries', () => {
    for (const metadata of [{ a: 'ok', b: 'x\u0000' }, { a: null, b: '\u0000' }, { list: ['ok', 'bad\u0000'] }, { n: 1, 'k\u0000': true }]) {
      expect(refused(metadata)).toBe('metadata: must not contain NUL (\\u0000) characters')
    }
  })

  it('is not seen in numbers, booleans, nulls or the six characters \\u0000 written as text', () => {
    const metadata = { n: 1, yes: true, none: null, list: [2, 'plain'], note: 'escape \\u0000 in a log' }
    expect(validateMessages([message({ metadata })], big)[0]!.metadata).toEqual(metadata)
  })
})

describe('a bulk export window', () => {
  it('takes either end alone, both, or neither, as instants', () => {
    expect(validateExportWindow(undefined, undefined)).toEqual({ from: null, to: null })
    expect(validateExportWindow('2026-01-01T00:00:00Z', undefined)).toEqual({ from: new Date('2026-01-01T00:00:00Z'), to: null })
    expect(validateExportWindow(undefined, '2026-01-02T00:00:00+01:00')).toEqual({ from: null, to: new Date('2026-01-01T23:00:00Z') })
  })

  it('refuses an end that is not after its start, at the exact instant', () => {
    expect(validateExportWindow('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.001Z').to).toEqual(new Date('2026-01-01T00:00:00.001Z'))
    expect(refusal(() => validateExportWindow('2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00'))).toBe('to: must be after from')
    expect(refusal(() => validateExportWindow('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'))).toBe('to: must be after from')
  })

  it('names the end that is not a date', () => {
    expect(refusal(() => validateExportWindow('monday', undefined))).toMatch(/^from: must be a date/)
    expect(refusal(() => validateExportWindow(undefined, 5))).toMatch(/^to: must be a date/)
  })
})

describe('audit log options', () => {
  it('defaults to the start of the log and the messages page size', () => {
    expect(validateAudit(undefined)).toEqual({ since: null, after: 0, limit: PAGE_LIMITS.messages.default })
    expect(validateAudit({ since: '2026-01-01T00:00:00Z', after: 7, limit: 3 })).toEqual({ since: new Date('2026-01-01T00:00:00Z'), after: 7, limit: 3 })
  })

  it('takes `after` as an entry id: a whole number from 0', () => {
    expect(validateAudit({ after: 0 }).after).toBe(0)
    for (const after of [-1, 1.5, '3', true]) {
      expect(refusal(() => validateAudit({ after } as never))).toBe(`after: must be the id of an audit entry; got ${describeValue(after)}`)
    }
  })

  it('refuses unknown options and a bad since or limit by name', () => {
    expect(refusal(() => validateAudit({ before: 1 } as never))).toBe('before: is not a known field (known: since, after, limit)')
    expect(refusal(() => validateAudit({ since: 'today' }))).toMatch(/^since: must be a date/)
    expect(refusal(() => validateAudit({ limit: 0 }))).toMatch(/^limit: must be a whole number from 1 to /)
  })
})
