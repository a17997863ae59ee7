// Redaction at ingest: finds emails, phone numbers, card numbers and IP
// addresses in a message's content and replaces each with `[kind]` before the
// row is written. Typed forms are found by Arcjet's detection engine (local
// WebAssembly); digits spoken as words, as voice transcripts spell them, by
// the scan below. A card number must pass the Luhn checksum.
import { initializeWasm, type RedactSensitiveInfoConfig, type SensitiveInfoEntity } from '@arcjet/redact-wasm'
import type { Limits } from '../model/limits.js'
import { redactPlaceholder, REDACT_KINDS, validateRedactKinds, type RedactedText, type RedactKind } from '../model/redact.js'
import type { AddMessageInput } from '../model/types.js'

/** Redacts text with one fixed set of kinds. Synchronous once created. */
export interface Redactor {
  readonly kinds: readonly RedactKind[]
  /** The text with each detected span replaced by `[kind]`, and the kinds replaced. */
  redact(text: string): RedactedText
  /** Only the redacted text: fits the SDK's `mask` option. */
  mask(text: string): string
}

type EngineTag = 'email' | 'phone-number' | 'ip-address' | 'credit-card-number'

const ENGINE_TAG: Record<RedactKind, EngineTag> = {
  email: 'email',
  phone: 'phone-number',
  card: 'credit-card-number',
  ip: 'ip-address',
}
const KIND_OF_TAG = Object.fromEntries(Object.entries(ENGINE_TAG).map(([kind, tag]) => [tag, kind])) as Record<string, RedactKind>

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
}
// Number words, repeaters ("double five") and digit groups; what lies between two of them decides whether they are one run.
const NUMBER_TOKEN = /\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b|\d+/gi
const RUN_GAP = /^[\s,.\-–—]*$/
// E.164 allows at most 15 digits; fewer than 7 is an extension or a count, not a number to hide.
const PHONE_DIGITS = { min: 7, max: 15 }
const CARD_DIGITS = { min: 13, max: 19 }

interface Span {
  start: number
  end: number
  kind: RedactKind
}

/**
 * A redactor for the given kinds (`email`, `phone`, `card`, `ip`), or null
 * when the list is empty. An unknown kind is a `ValidationError` naming `field`.
 *
 * @example
 * const redactor = await createRedactor(['card', 'phone'])
 * redactor!.redact('my card is 4242 4242 4242 4242') // { text: 'my card is [card]', redacted: ['card'] }
 */
export async function createRedactor(kinds: unknown, field = 'redact'): Promise<Redactor | null> {
  const valid = validateRedactKinds(kinds, field)
  if (valid.length === 0) return null
  // One instance for the process: Arcjet's own `redact()` instantiates the module on every call (~2 ms).
  const engine = await initializeWasm(
    () => [],
    () => undefined,
  )
  if (!engine) throw new Error('redaction needs WebAssembly, which this runtime does not offer')
  const config: RedactSensitiveInfoConfig = {
    entities: valid.map((kind) => ({ tag: ENGINE_TAG[kind] }) as SensitiveInfoEntity),
    contextWindowSize: 1,
    skipCustomDetect: true,
    skipCustomRedact: true,
  }
  const enabled = new Set(valid)
  const typed = enabled.has('email') || enabled.has('ip') ? /[\d@:]/ : /\d/

  const redact = (text: string): RedactedText => {
    const spans: Span[] = enabled.has('card') || enabled.has('phone') ? spokenNumbers(text, enabled) : []
    if (typed.test(text)) {
      const found = engine.redact(text, config)
      const offsets = utf16Offsets(
        text,
        found.flatMap((entity) => [entity.start, entity.end]),
      )
      for (const entity of found) {
        const kind = KIND_OF_TAG[entity.identifiedType.tag]
        if (!kind || !enabled.has(kind) || !plausible(kind, entity.original)) continue
        spans.push({ start: offsets.get(entity.start)!, end: offsets.get(entity.end)!, kind })
      }
    }
    if (spans.length === 0) return { text, redacted: [] }
    spans.sort((a, b) => a.start - b.start || b.end - a.end)
    let out = ''
    let at = 0
    const kinds = new Set<RedactKind>()
    for (const span of spans) {
      if (span.start < at) continue
      out += text.slice(at, span.start) + redactPlaceholder(span.kind)
      at = span.end
      kinds.add(span.kind)
    }
    return { text: out + text.slice(at), redacted: REDACT_KINDS.filter((kind) => kinds.has(kind)) }
  }
  return { kinds: valid, redact, mask: (text) => redact(text).text }
}

/**
 * The messages with their content redacted and `metadata.redacted` listing the
 * kinds found. Malformed input is passed on untouched for validation to refuse,
 * and content over the size limit is not scanned (validation refuses it).
 */
export function redactMessages(redactor: Redactor, inputs: readonly AddMessageInput[], limits: Limits): readonly AddMessageInput[] {
  if (!Array.isArray(inputs)) return inputs
  return inputs.map((input) => {
    if (typeof input !== 'object' || input === null || typeof input.content !== 'string') return input
    if (input.content.length > limits.maxContentBytes) return input
    const { text, redacted } = redactor.redact(input.content)
    if (redacted.length === 0) return input
    const metadata: unknown = input.metadata ?? {}
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { ...input, content: text }
    const earlier = (metadata as { redacted?: unknown }).redacted
    const kinds = Array.isArray(earlier) ? REDACT_KINDS.filter((kind) => redacted.includes(kind) || earlier.includes(kind)) : redacted
    return { ...input, content: text, metadata: { ...metadata, redacted: kinds } }
  })
}

/** Luhn's mod-10 checksum over the digits of `text`. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48
    if (index % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return digits.length > 0 && sum % 10 === 0
}

function plausible(kind: RedactKind, original: string): boolean {
  if (kind !== 'card' && kind !== 'phone') return true
  const digits = original.replace(/\D/g, '')
  if (kind === 'card') return digits.length >= CARD_DIGITS.min && digits.length <= CARD_DIGITS.max && luhnValid(digits)
  return digits.length >= PHONE_DIGITS.min && digits.length <= PHONE_DIGITS.max
}

/**
 * Runs of digits spoken as words ("four two four two …", "double five"),
 * mixed with digit groups or not, read as one number: a card when it passes
 * Luhn, else a phone number when its length fits one. Runs of typed digits
 * only are left to the engine.
 */
function spokenNumbers(text: string, enabled: ReadonlySet<RedactKind>): Span[] {
  const spans: Span[] = []
  let run: { start: number; end: number; digits: string; spoken: boolean } | null = null
  let repeat = 1
  const close = () => {
    if (run?.spoken) {
      const kind = numberKind(run.digits, enabled)
      if (kind) spans.push({ start: run.start, end: run.end, kind })
    }
    run = null
    repeat = 1
  }
  NUMBER_TOKEN.lastIndex = 0
  for (let match = NUMBER_TOKEN.exec(text); match; match = NUMBER_TOKEN.exec(text)) {
    const token = match[0].toLowerCase()
    const start = match.index
    if (run && !RUN_GAP.test(text.slice(run.end, start))) close()
    if (token === 'double' || token === 'triple') {
      if (!run) run = { start, end: start, digits: '', spoken: true }
      repeat = token === 'double' ? 2 : 3
      run.end = start + token.length
      continue
    }
    // "oh" is a zero only inside a number: "oh, four two …" is not.
    if (token === 'oh' && !run?.digits) {
      close()
      continue
    }
    const digits = DIGIT_WORDS[token]
    run ??= { start, end: start, digits: '', spoken: false }
    run.digits += (digits ?? token).repeat(digits ? repeat : 1)
    run.spoken ||= digits !== undefined
    run.end = start + token.length
    repeat = 1
  }
  close()
  return spans
}

function numberKind(digits: string, enabled: ReadonlySet<RedactKind>): RedactKind | null {
  const length = digits.length
  if (enabled.has('card') && length >= CARD_DIGITS.min && length <= CARD_DIGITS.max && luhnValid(digits)) return 'card'
  if (enabled.has('phone') && length >= PHONE_DIGITS.min && length <= PHONE_DIGITS.max) return 'phone'
  return null
}

// The engine counts UTF-8 bytes; JavaScript strings index UTF-16 code units.
function utf16Offsets(text: string, byteOffsets: number[]): Map<number, number> {
  const wanted = new Set(byteOffsets)
  const result = new Map<number, number>()
  if (!/[^\x00-\x7f]/.test(text)) {
    for (const offset of wanted) result.set(offset, offset)
    return result
  }
  let bytes = 0
  let index = 0
  for (const char of text) {
    if (wanted.has(bytes)) result.set(bytes, index)
    const code = char.codePointAt(0)!
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
    index += char.length
  }
  result.set(bytes, index)
  return result
}
