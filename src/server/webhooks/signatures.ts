// Each platform's own signature on the raw body, as its SDK or docs define it
// (docs/webhooks.md names the sources). Digests are compared as bytes in
// constant time; a signature outside its replay window is refused however right.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** What a verification concluded: the refusal says what to fix, never the expected digest. */
export type Verdict = { ok: true } | { ok: false; reason: string }

export type Headers = Record<string, string | string[] | undefined>

/** Vapi HMAC credentials: how far `x-timestamp` may be from now. */
export const VAPI_WINDOW_MS = 5 * 60_000
/** retell-sdk's `verify` allows five minutes either way. */
export const RETELL_WINDOW_MS = 5 * 60_000
/** The ElevenLabs SDK's `constructEvent` tolerance. */
export const ELEVENLABS_WINDOW_MS = 30 * 60_000

const refuse = (reason: string): Verdict => ({ ok: false, reason })

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

function hmacHex(secret: string, ...parts: Array<string | Buffer>): Buffer {
  const hmac = createHmac('sha256', secret)
  for (const part of parts) hmac.update(part)
  return hmac.digest()
}

/** A hex digest against the expected bytes, in time that does not depend on where they differ. */
function sameDigest(expected: Buffer, givenHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(givenHex) || givenHex.length !== expected.length * 2) return false
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'))
}

function sameSecret(expected: string, given: string): boolean {
  // Hashing first gives equal lengths, so the compare leaks neither the secret's length nor its bytes.
  return timingSafeEqual(hmacHex('parley', expected), hmacHex('parley', given))
}

/** Epoch milliseconds of a timestamp written in seconds or milliseconds. */
function epochMs(text: string): number | null {
  if (!/^\d{1,16}(\.\d+)?$/.test(text)) return null
  const value = Number(text)
  return value > 1e11 ? value : value * 1000
}

function withinWindow(at: number, now: number, windowMs: number, what: string): Verdict {
  if (Math.abs(now - at) > windowMs) {
    return refuse(`${what} is ${Math.round(Math.abs(now - at) / 1000)} s from now; a delivery is accepted for ${windowMs / 60_000} minutes (a replay, or a clock that is off)`)
  }
  return { ok: true }
}

/**
 * Vapi: an HMAC credential signs `{timestamp}.{body}` with SHA-256, hex, in
 * `x-signature` with the time in `x-timestamp` (Vapi's defaults); a server
 * URL secret (the older way) arrives as is in `x-vapi-secret`, with no time to check.
 */
export function verifyVapi(headers: Headers, body: Buffer, secret: string, now = Date.now()): Verdict {
  const signature = header(headers, 'x-signature')
  if (signature !== undefined) {
    const timestamp = header(headers, 'x-timestamp')
    if (timestamp === undefined) return refuse('x-signature needs x-timestamp (Vapi HMAC credential, payload {timestamp}.{body})')
    const at = epochMs(timestamp.trim())
    if (at === null) return refuse(`x-timestamp must be a Unix time; got "${timestamp.slice(0, 40)}"`)
    const fresh = withinWindow(at, now, VAPI_WINDOW_MS, 'x-timestamp')
    if (!fresh.ok) return fresh
    const digest = signature.trim().replace(/^sha256=/i, '')
    if (!sameDigest(hmacHex(secret, `${timestamp.trim()}.`, body), digest)) return refuse('x-signature does not match the body (HMAC-SHA256 of {timestamp}.{body}, hex)')
    return { ok: true }
  }
  const static_ = header(headers, 'x-vapi-secret')
  if (static_ !== undefined) return sameSecret(secret, static_) ? { ok: true } : refuse('x-vapi-secret is not the secret Parley was given')
  return refuse('send x-signature and x-timestamp (a Vapi HMAC credential) or x-vapi-secret')
}

/** Retell: `X-Retell-Signature: v=<unix ms>,d=<hex HMAC-SHA256(api key, body + v)>`, as retell-sdk's `verify` checks it. */
export function verifyRetell(headers: Headers, body: Buffer, apiKey: string, now = Date.now()): Verdict {
  const signature = header(headers, 'x-retell-signature')
  if (signature === undefined) return refuse('send X-Retell-Signature (v=<unix ms>,d=<hex digest>)')
  const match = /^v=(\d{1,16}),d=([0-9a-f]+)$/i.exec(signature.trim())
  if (!match) return refuse('X-Retell-Signature must read v=<unix ms>,d=<hex digest>')
  const fresh = withinWindow(Number(match[1]), now, RETELL_WINDOW_MS, 'the signature time v')
  if (!fresh.ok) return fresh
  if (!sameDigest(hmacHex(apiKey, body, match[1]!), match[2]!)) return refuse('X-Retell-Signature does not match the body (HMAC-SHA256 with the API key of body + v, hex)')
  return { ok: true }
}

/** ElevenLabs: `ElevenLabs-Signature: t=<unix s>,v0=<hex HMAC-SHA256(secret, "t.body")>`, as the SDK's `constructEvent` checks it. */
export function verifyElevenLabs(headers: Headers, body: Buffer, secret: string, now = Date.now()): Verdict {
  const signature = header(headers, 'elevenlabs-signature')
  if (signature === undefined) return refuse('send ElevenLabs-Signature (t=<unix s>,v0=<hex digest>)')
  const parts = new Map(signature.split(',').map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()]))
  const t = parts.get('t')
  const v0 = parts.get('v0')
  if (!t || !/^\d{1,12}$/.test(t) || !v0) return refuse('ElevenLabs-Signature must read t=<unix s>,v0=<hex digest>')
  const fresh = withinWindow(Number(t) * 1000, now, ELEVENLABS_WINDOW_MS, 'the signature time t')
  if (!fresh.ok) return fresh
  if (!sameDigest(hmacHex(secret, `${t}.`, body), v0)) return refuse('ElevenLabs-Signature does not match the body (HMAC-SHA256 of t.body, hex)')
  return { ok: true }
}
