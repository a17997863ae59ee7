// The helpers every adapter shares: a recording's variants, a file of one call or many.
import { describe, expect, it } from 'vitest'
import { eachPayload, onePayloadOrMany, recordingOf } from '../../src/import/adapters/shared.js'

describe('recordingOf', () => {
  it('keeps the main url and only the non-empty string variants', () => {
    expect(recordingOf('https://a/m.wav', { stereo_url: 'https://a/s.wav', mono_url: '', other: 5, none: null })).toEqual({ url: 'https://a/m.wav', stereo_url: 'https://a/s.wav' })
  })
  it('falls back to the stereo variant, then the first one, when the url is missing or empty', () => {
    expect(recordingOf('', { mono_url: 'https://a/m.wav', stereo_url: 'https://a/s.wav' })).toEqual({ url: 'https://a/s.wav', mono_url: 'https://a/m.wav', stereo_url: 'https://a/s.wav' })
    expect(recordingOf(undefined, { mono_url: 'https://a/m.wav' })).toEqual({ url: 'https://a/m.wav', mono_url: 'https://a/m.wav' })
    expect(recordingOf(7, { mono_url: 'https://a/m.wav' })).toEqual({ url: 'https://a/m.wav', mono_url: 'https://a/m.wav' })
  })
  it('is null when there is nothing to play', () => {
    expect(recordingOf('', { mono_url: '', stereo_url: null })).toBeNull()
  })
})

describe('eachPayload / onePayloadOrMany', () => {
  it('points into an array of calls, and at the document for one call', () => {
    expect(eachPayload([{ a: 1 }, { b: 2 }])).toEqual([{ value: { a: 1 }, pointer: '/0' }, { value: { b: 2 }, pointer: '/1' }])
    expect(eachPayload({ a: 1 })).toEqual([{ value: { a: 1 }, pointer: '' }])
  })
  it('writes one call back as itself, several as an array', () => {
    expect(onePayloadOrMany([{ a: 1 }])).toEqual({ a: 1 })
    expect(onePayloadOrMany([{ a: 1 }, { b: 2 }])).toEqual([{ a: 1 }, { b: 2 }])
  })
})
