import type { FastifyInstance } from 'fastify'
import { ValidationError } from '../../model/errors.js'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
// A noncharacter that stands in for each invalid byte sequence, to find the field it was in.
const MARKER = '\uFDD0'

/**
 * JSON bodies are read as bytes and must be UTF-8: a body with invalid bytes
 * is a 400 naming the field they are in, instead of text silently stored
 * with U+FFFD where the bytes were.
 */
export function installJsonBody(app: FastifyInstance): void {
  // Fastify's own parser after the check: the same errors, and the same guard against __proto__ keys.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string
    try {
      text = strictUtf8.decode(body)
    } catch {
      done(invalidUtf8(body), undefined)
      return
    }
    parseJson(request, text, done)
  })
}

function invalidUtf8(body: Buffer): ValidationError {
  const reason = 'is not valid UTF-8 (send text as UTF-8; binary data belongs in audio_url or base64 in metadata)'
  let parsed: unknown
  try {
    parsed = JSON.parse(markInvalidSequences(body))
  } catch {
    return new ValidationError('body', reason, 'INVALID_UTF8')
  }
  return new ValidationError(pathOf(parsed, '') ?? 'body', reason, 'INVALID_UTF8')
}

// The text with MARKER for each byte that starts no valid UTF-8 sequence (a real U+FFFD stays one).
function markInvalidSequences(bytes: Buffer): string {
  let text = ''
  let start = 0
  for (let index = 0; index < bytes.length; ) {
    const length = sequenceLength(bytes, index)
    if (length > 0) {
      index += length
      continue
    }
    text += strictUtf8.decode(bytes.subarray(start, index)) + MARKER
    start = ++index
  }
  return text + strictUtf8.decode(bytes.subarray(start))
}

// RFC 3629's table: no overlong forms, no surrogates, nothing above U+10FFFF.
function sequenceLength(bytes: Buffer, at: number): number {
  const first = bytes[at]!
  if (first < 0x80) return 1
  const continues = (offset: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[at + offset]
    return byte !== undefined && byte >= low && byte <= high
  }
  if (first >= 0xc2 && first <= 0xdf) return continues(1) ? 2 : 0
  if (first >= 0xe0 && first <= 0xef) {
    const [low, high] = first === 0xe0 ? [0xa0, 0xbf] : first === 0xed ? [0x80, 0x9f] : [0x80, 0xbf]
    return continues(1, low, high) && continues(2) ? 3 : 0
  }
  if (first >= 0xf0 && first <= 0xf4) {
    const [low, high] = first === 0xf0 ? [0x90, 0xbf] : first === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf]
    return continues(1, low, high) && continues(2) && continues(3) ? 4 : 0
  }
  return 0
}

// The wire path (`messages[2].content`) of the first string or key holding the marker.
function pathOf(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes(MARKER) ? path || 'body' : undefined
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = pathOf(item, `${path}[${index}]`)
      if (found) return found
    }
    return undefined
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key.replaceAll(MARKER, '?')}` : key.replaceAll(MARKER, '?')
      if (key.includes(MARKER)) return here
      const found = pathOf(item, here)
      if (found) return found
    }
  }
  return undefined
}
