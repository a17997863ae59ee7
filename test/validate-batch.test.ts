// The checks and the batch JSON on the write path, without a database: the
// byte limits count UTF-8 exactly where a text could be over them, NUL is
// found however it is written, and the hand-written batch JSON reads back as
// the message it came from.
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../src/model/errors.js'
import { batchInputJson, batchJson } from '../src/tracker/message-writer.js'
import { DEFAULT_LIMITS, type Limits } from '../src/model/limits.js'
import { validateMessages } from '../src/model/validate.js'

const sessionId = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6'
const limits: Limits = { ...DEFAULT_LIMITS, maxContentBytes: 250, maxMetadataBytes: 100 }

function fieldError(call: () => unknown): ValidationError {
  try {
    call()
  } catch (error) {
    if (error instanceof ValidationError) return error
    throw error
  }
  throw new Error('no ValidationError')
}

describe('byte limits', () => {
  it('accepts a multibyte text under the limit whose length alone could be over it', () => {
    const content = 'é'.repeat(100) // 200 bytes, 100 units: 3 × 100 > 250
    expect(validateMessages([{ sessionId, role: 'user', content }], limits)[0]!.content).toBe(content)
  })

  it('names the exact UTF-8 size of a text over the limit', () => {
    const twoByte = fieldError(() => validateMessages([{ sessionId, role: 'user', content: 'é'.repeat(130) }], limits))
    expect(twoByte.field).toBe('content')
    expect(twoByte.message).toBe('content: is 260 bytes; the limit is 250')
    const surrogatePairs = fieldError(() =>
      validateMessages([{ sessionId, role: 'user', content: '😀'.repeat(63) }], limits),
    )
    expect(surrogatePairs.message).toBe('content: is 252 bytes; the limit is 250')
  })

  it('counts metadata as its JSON, in UTF-8', () => {
    const error = fieldError(() =>
      validateMessages([{ sessionId, role: 'user', content: 'x', metadata: { t: 'é'.repeat(50) } }], limits),
    )
    expect(error.field).toBe('metadata')
    expect(error.message).toBe(`metadata: is ${Buffer.byteLength(JSON.stringify({ t: 'é'.repeat(50) }))} bytes as JSON; the limit is 100`)
    const fits = { t: 'é'.repeat(40) } // 88 bytes as JSON
    expect(validateMessages([{ sessionId, role: 'user', content: 'x', metadata: fits }], limits)[0]!.metadata).toEqual(fits)
  })
})

describe('NUL in metadata', () => {
  it('is refused in a value or in a key', () => {
    for (const metadata of [{ a: 'b\u0000' }, { 'k\u0000': 1 }, { deep: [{ x: '\u0000' }] }]) {
      const error = fieldError(() => validateMessages([{ sessionId, role: 'user', content: 'x', metadata }], limits))
      expect(error.message).toBe('metadata: must not contain NUL (\\u0000) characters')
    }
  })

  it('is not confused with the six characters \\u0000 written as text', () => {
    const metadata = { note: 'escape sequence \\u0000 in a log' }
    const [message] = validateMessages([{ sessionId, role: 'user', content: 'x', metadata }], limits)
    expect(message!.metadata).toEqual(metadata)
  })
})

describe('batchInputJson', () => {
  it('reads back as the message, with the text escaped and the metadata normalised', () => {
    const createdAt = new Date('2026-11-29T10:00:00.123Z')
    const [message] = validateMessages(
      [
        {
          sessionId,
          role: 'assistant',
          content: 'say "hi"\n\ttab \\ back \u2028 line 😀',
          audioUrl: 'https://audio.example.com/a "b".wav',
          metadata: { when: createdAt, gone: undefined, n: 1.5, list: ['a', null] } as never,
          createdAt,
        },
      ],
      DEFAULT_LIMITS,
    )
    expect(JSON.parse(batchInputJson(message!, 7, 3))).toEqual({
      ord: 7,
      caller: 3,
      id: message!.id,
      session_id: sessionId,
      role: 'assistant',
      content: 'say "hi"\n\ttab \\ back \u2028 line 😀',
      audio_url: 'https://audio.example.com/a "b".wav',
      metadata: { when: '2026-11-29T10:00:00.123Z', n: 1.5, list: ['a', null] },
      created_at: '2026-11-29T10:00:00.123Z',
    })
  })

  it('writes null for a missing audio URL and time', () => {
    const [message] = validateMessages([{ sessionId, role: 'user', content: 'x' }], DEFAULT_LIMITS)
    const row = JSON.parse(batchInputJson(message!, 0, 0))
    expect(row.audio_url).toBeNull()
    expect(row.created_at).toBeNull()
    expect(row.metadata).toEqual({})
  })

  it('batchJson numbers the rows across callers from firstOrd, each tagged with its caller', () => {
    const [a, b, c] = validateMessages(
      ['a', 'b', 'c'].map((content) => ({ sessionId, role: 'user' as const, content })),
      DEFAULT_LIMITS,
    )
    const rows = JSON.parse(batchJson([[a!], [b!, c!]], 5)) as { ord: number; caller: number; content: string }[]
    expect(rows.map(({ ord, caller, content }) => [ord, caller, content])).toEqual([
      [5, 0, 'a'],
      [6, 1, 'b'],
      [7, 1, 'c'],
    ])
  })
})
