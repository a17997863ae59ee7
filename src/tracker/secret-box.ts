// Sealing secrets Parley must be able to read back (webhook signing secrets:
// an HMAC cannot be checked against a hash). AES-256-GCM under a key derived
// from PARLEY_SECRET_KEY, which stays in the environment, never in the
// database (docs/security.md#webhook-signing-secrets).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { ValidationError } from '../model/errors.js'

/** Where the key comes from, for messages that say what to set. */
export const SECRET_KEY_ENV = 'PARLEY_SECRET_KEY'

/** How to make a key, in every message that asks for one. */
export const SECRET_KEY_HINT = 'make one with `openssl rand -base64 32` and give every parley process the same value'

const FORMAT = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16

/** A key that seals and opens secrets; `id` is its fingerprint, stored beside what it sealed. */
export interface SecretKey {
  /** 8 hex digits that tell keys apart without revealing them. */
  readonly id: string
  /** `v1.<nonce>.<ciphertext>.<tag>`, base64url; `context` must be given again to open it. */
  seal(plaintext: string, context: string): string
  /** The plaintext, or undefined when another key sealed it, the context differs or the text was altered. */
  open(sealed: string, context: string): string | undefined
}

/**
 * Reads PARLEY_SECRET_KEY: 32 random bytes as 64 hex digits or base64
 * (standard or URL-safe). Throws a ValidationError naming the variable
 * otherwise; a passphrase is refused rather than stretched, so the key's
 * strength never depends on what someone typed.
 */
export function parseSecretKey(text: string | undefined, field = SECRET_KEY_ENV): SecretKey {
  const value = text?.trim() ?? ''
  if (value === '') throw new ValidationError(field, `is not set; it encrypts the webhook secrets in the database: ${SECRET_KEY_HINT}`)
  let bytes: Buffer | undefined
  if (/^[0-9a-f]{64}$/i.test(value)) bytes = Buffer.from(value, 'hex')
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) bytes = Buffer.from(value, 'base64')
  if (bytes?.length !== 32) throw new ValidationError(field, `must be 32 random bytes as 64 hex digits or base64 (${value.length} characters given); ${SECRET_KEY_HINT}`)
  return secretKeyFromBytes(bytes)
}

/** A key from its 32 bytes: one subkey encrypts, another names the key. */
export function secretKeyFromBytes(master: Buffer): SecretKey {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `parley ${info}`, 32))
  const encryption = derive('secret encryption v1')
  const id = derive('key id').subarray(0, 4).toString('hex')
  return {
    id,
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv('aes-256-gcm', encryption, nonce, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return [FORMAT, nonce, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.')
    },
    open(sealed, context) {
      const [format, nonce, ciphertext, tag, ...rest] = sealed.split('.')
      if (format !== FORMAT || nonce === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) return undefined
      const tagBytes = Buffer.from(tag, 'base64url')
      const nonceBytes = Buffer.from(nonce, 'base64url')
      if (tagBytes.length !== TAG_BYTES || nonceBytes.length !== NONCE_BYTES) return undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', encryption, nonceBytes, { authTagLength: TAG_BYTES })
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(tagBytes)
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        return undefined
      }
    },
  }
}
