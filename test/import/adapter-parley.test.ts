// Parley's own export: each field's error names its exact pointer, a missing
// or null metadata becomes {}, an open session (ended_at null/absent) is
// active, and a bare {session, messages} document is one session.
import { describe, expect, it } from 'vitest'
import { parley } from '../../src/import/adapters/parley.js'
import { ImportError } from '../../src/import/import-error.js'

const context = { path: 'p.json' }
const wireSession = { session_id: 's1', user_id: null, started_at: '2025-01-15T10:30:00.000Z', ended_at: '2025-01-15T10:30:45.200Z', ended_reason: null }
const wireMessage = { id: 'm1', role: 'user', content: 'hi', created_at: '2025-01-15T10:30:01.000Z' }
const doc = (session: object, messages: object[] = [wireMessage]) => ({ format: 'parley', version: 1, sessions: [{ session: { ...wireSession, ...session }, messages }] })

function pointerOf(payload: unknown): string {
  try {
    parley.parse(payload, context)
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError)
    return (error as ImportError).pointer
  }
  throw new Error('parsed')
}

describe('parley import', () => {
  it.each([
    [{ session_id: 1 }, '/sessions/0/session/session_id'],
    [{ metadata: 5 }, '/sessions/0/session/metadata'],
    [{ user_id: 5 }, '/sessions/0/session/user_id'],
    [{ started_at: 'x' }, '/sessions/0/session/started_at'],
    [{ ended_at: 'x' }, '/sessions/0/session/ended_at'],
    [{ ended_reason: 5 }, '/sessions/0/session/ended_reason'],
  ])('names the bad session field %j', (session, pointer) => {
    expect(pointerOf(doc(session))).toBe(pointer)
  })

  it.each([
    [{ id: 1 }, '/sessions/0/messages/0/id'],
    [{ content: 1 }, '/sessions/0/messages/0/content'],
    [{ audio_url: 1 }, '/sessions/0/messages/0/audio_url'],
    [{ metadata: 'x' }, '/sessions/0/messages/0/metadata'],
    [{ created_at: 'x' }, '/sessions/0/messages/0/created_at'],
  ])('names the bad message field %j', (message, pointer) => {
    expect(pointerOf(doc({}, [{ ...wireMessage, ...message }]))).toBe(pointer)
  })

  it('names the format, the sessions list and the document', () => {
    expect(pointerOf({ format: 'other', version: 1, sessions: [] })).toBe('/format')
    expect(pointerOf({ format: 'parley', version: 1, sessions: 5 })).toBe('/sessions')
    expect(pointerOf(5)).toBe('')
    // Neither a format nor a session: the format is what is missing.
    expect(pointerOf({})).toBe('/format')
  })

  it('reads missing or null metadata as {} and keeps given metadata', () => {
    for (const metadata of [undefined, null]) {
      const [s] = parley.parse(doc({ metadata }, [{ ...wireMessage, metadata }]), context)
      expect(s!.session.metadata).toEqual({})
      expect(s!.messages[0]!.metadata).toEqual({})
    }
    const [s] = parley.parse(doc({ metadata: { a: 1 } }, [{ ...wireMessage, metadata: { b: 2 } }]), context)
    expect(s!.session.metadata).toEqual({ a: 1 })
    expect(s!.messages[0]!.metadata).toEqual({ b: 2 })
  })

  it('marks a session without ended_at (null or absent) active, an ended one not', () => {
    expect(parley.parse(doc({ ended_at: null }), context)[0]!.session).toMatchObject({ active: true, endedAt: null })
    const { ended_at: _, ...open } = wireSession
    expect(parley.parse({ format: 'parley', version: 1, sessions: [{ session: open }] }, context)[0]!.session.active).toBe(true)
    expect(parley.parse(doc({}), context)[0]!.session).not.toHaveProperty('active')
  })

  it('reads a bare {session, messages} document as one session, with pointers from the root', () => {
    const [s] = parley.parse({ session: wireSession, messages: [wireMessage] }, context)
    expect(s!.pointer).toBe('')
    expect(s!.messages[0]!.pointer).toBe('/messages/0')
    expect(pointerOf({ session: { ...wireSession, session_id: 1 } })).toBe('/session/session_id')
    // A document with a format is never read as a bare session.
    expect(pointerOf({ format: 'x', session: wireSession })).toBe('/format')
  })

  it('exports is_active from ended_at and names its platform', () => {
    expect(parley.platform).toBe('parley')
    const open = parley.parse(doc({ ended_at: null }), context)
    const out = parley.toPlatform(open) as { sessions: Array<{ session: Json }> }
    expect(out.sessions[0]!.session.is_active).toBe(true)
    const ended = parley.toPlatform(parley.parse(doc({}), context)) as { sessions: Array<{ session: Json }> }
    expect(ended.sessions[0]!.session.is_active).toBe(false)
  })
})
type Json = Record<string, unknown>
