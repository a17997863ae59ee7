import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { webhookSecretsFromEnv } from '../../src/cli/commands/serve.js'
import { verifyElevenLabs, verifyRetell, verifyVapi } from '../../src/server/webhooks/signatures.js'

const body = Buffer.from('{"message":{"type":"status-update","status":"in-progress","call":{"id":"c"}}}')
const now = 1_764_600_000_000
const hex = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex')

describe('webhook signatures', () => {
  it('checks a Vapi HMAC credential in seconds or milliseconds, with or without a sha256= prefix', () => {
    for (const at of [String(now), String(now / 1000)]) {
      const digest = hex('s', `${at}.${body}`)
      expect(verifyVapi({ 'x-signature': digest, 'x-timestamp': at }, body, 's', now)).toEqual({ ok: true })
      expect(verifyVapi({ 'x-signature': `sha256=${digest}`, 'x-timestamp': at }, body, 's', now)).toEqual({ ok: true })
    }
    const digest = hex('s', `${now}.${body}`)
    expect(verifyVapi({ 'x-signature': digest, 'x-timestamp': String(now) }, body, 's', now + 5 * 60_000 + 1)).toMatchObject({ ok: false })
    expect(verifyVapi({ 'x-signature': digest.slice(2), 'x-timestamp': String(now) }, body, 's', now)).toMatchObject({ ok: false })
    expect(verifyVapi({ 'x-signature': digest, 'x-timestamp': 'yesterday' }, body, 's', now)).toMatchObject({ ok: false, reason: expect.stringContaining('x-timestamp') })
    expect(verifyVapi({ 'x-signature': digest }, body, 's', now)).toMatchObject({ ok: false, reason: expect.stringContaining('x-timestamp') })
    expect(verifyVapi({ 'x-vapi-secret': 's' }, body, 's', now)).toEqual({ ok: true })
    expect(verifyVapi({ 'x-vapi-secret': 's ' }, body, 's', now)).toMatchObject({ ok: false })
  })

  it('checks Retell as retell-sdk does: body + v, five minutes either way', () => {
    const sign = (v: number) => `v=${v},d=${hex('key', `${body}${v}`)}`
    expect(verifyRetell({ 'x-retell-signature': sign(now) }, body, 'key', now)).toEqual({ ok: true })
    expect(verifyRetell({ 'x-retell-signature': sign(now + 4 * 60_000) }, body, 'key', now)).toEqual({ ok: true })
    expect(verifyRetell({ 'x-retell-signature': sign(now - 5 * 60_000 - 1) }, body, 'key', now)).toMatchObject({ ok: false })
    expect(verifyRetell({ 'x-retell-signature': sign(now + 5 * 60_000 + 1) }, body, 'key', now)).toMatchObject({ ok: false })
    // The digest of the body without v (an older, unsafe scheme) is not accepted.
    expect(verifyRetell({ 'x-retell-signature': `v=${now},d=${hex('key', body.toString())}` }, body, 'key', now)).toMatchObject({ ok: false })
    expect(verifyRetell({ 'x-retell-signature': `d=${hex('key', body.toString())}` }, body, 'key', now)).toMatchObject({ ok: false })
  })

  it('checks ElevenLabs as its SDK does: "t.body", thirty minutes', () => {
    const t = now / 1000
    const sign = (at: number) => `t=${at},v0=${hex('whsec', `${at}.${body}`)}`
    expect(verifyElevenLabs({ 'elevenlabs-signature': sign(t) }, body, 'whsec', now)).toEqual({ ok: true })
    expect(verifyElevenLabs({ 'elevenlabs-signature': `v0=${hex('whsec', `${t}.${body}`)},t=${t}` }, body, 'whsec', now)).toEqual({ ok: true })
    expect(verifyElevenLabs({ 'elevenlabs-signature': sign(t - 29 * 60) }, body, 'whsec', now)).toEqual({ ok: true })
    expect(verifyElevenLabs({ 'elevenlabs-signature': sign(t - 31 * 60) }, body, 'whsec', now)).toMatchObject({ ok: false })
    expect(verifyElevenLabs({ 'elevenlabs-signature': sign(t) }, Buffer.concat([body, Buffer.from(' ')]), 'whsec', now)).toMatchObject({ ok: false })
    expect(verifyElevenLabs({ 'elevenlabs-signature': `t=${t}` }, body, 'whsec', now)).toMatchObject({ ok: false })
  })

  it('reads the secrets from the environment, blank meaning unset', () => {
    expect(webhookSecretsFromEnv({ PARLEY_VAPI_SECRET: 'v', PARLEY_RETELL_API_KEY: ' ', PARLEY_ELEVENLABS_WEBHOOK_SECRET: 'e' })).toEqual({ vapi: 'v', elevenlabs: 'e' })
    expect(webhookSecretsFromEnv({})).toEqual({})
  })
})
