import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseSecretKey, secretKeyFromBytes } from '../src/tracker/secret-box.js'

describe('PARLEY_SECRET_KEY and the sealed secrets', () => {
  const bytes = randomBytes(32)

  it('takes 32 bytes as hex, base64 or base64url, the same key each way', () => {
    const ids = [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), ` ${bytes.toString('hex').toUpperCase()}\n`].map((text) => parseSecretKey(text).id)
    expect(new Set(ids).size).toBe(1)
    expect(ids[0]).toMatch(/^[0-9a-f]{8}$/)
  })

  it.each([undefined, '', '  ', 'hunter2', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), randomBytes(33).toString('base64')])(
    'refuses %j naming PARLEY_SECRET_KEY and how to make one',
    (text) => {
      expect(() => parseSecretKey(text)).toThrow(/^PARLEY_SECRET_KEY: .*openssl rand -base64 32/)
    },
  )

  it('opens what it sealed, only with the same key and context, and not once altered', () => {
    const key = secretKeyFromBytes(bytes)
    const sealed = key.seal('whsec_abc', 'row 1 vapi')
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
    expect(sealed).not.toContain(Buffer.from('whsec_abc').toString('base64url'))
    expect(key.seal('whsec_abc', 'row 1 vapi')).not.toBe(sealed)
    expect(key.open(sealed, 'row 1 vapi')).toBe('whsec_abc')
    expect(key.open(sealed, 'row 1 retell')).toBeUndefined()
    expect(secretKeyFromBytes(randomBytes(32)).open(sealed, 'row 1 vapi')).toBeUndefined()
    const [format, nonce, ciphertext, tag] = sealed.split('.')
    const flipped = Buffer.from(ciphertext!, 'base64url')
    flipped[0] = flipped[0]! ^ 1
    expect(key.open([format, nonce, flipped.toString('base64url'), tag].join('.'), 'row 1 vapi')).toBeUndefined()
    expect(key.open('v2.a.b.c', 'row 1 vapi')).toBeUndefined()
    expect(key.open('garbage', 'row 1 vapi')).toBeUndefined()
  })
})
