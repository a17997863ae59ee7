// The kinds of personal data redaction knows, and the one check of a setting
// that names them: the tracker, `parley serve` and the SDK speak this list.
import { ValidationError } from './errors.js'

/** What redaction can find and replace: each becomes `[kind]` in `content`. */
export const REDACT_KINDS = ['email', 'phone', 'card', 'ip'] as const

/** One of `REDACT_KINDS`. */
export type RedactKind = (typeof REDACT_KINDS)[number]

/** What a redacted text looks like and which kinds were taken out of it (never the values). */
export interface RedactedText {
  text: string
  /** The kinds replaced, each once, in `REDACT_KINDS` order; empty when nothing was found. */
  redacted: RedactKind[]
}

/** The placeholder that replaces a detected span, e.g. `[card]`. */
export function redactPlaceholder(kind: RedactKind): string {
  return `[${kind}]`
}

/**
 * Checks a `redact` setting: an array of known kinds (duplicates folded).
 * Anything else is a `ValidationError` naming `field`.
 */
export function validateRedactKinds(value: unknown, field = 'redact'): RedactKind[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(field, `must be a list of kinds to redact (${REDACT_KINDS.join(', ')}); got ${JSON.stringify(value) ?? String(value)}`)
  }
  for (const kind of value) {
    if (!(REDACT_KINDS as readonly unknown[]).includes(kind)) {
      throw new ValidationError(field, `"${String(kind)}" is not a kind Parley can redact; use ${REDACT_KINDS.join(', ')}`)
    }
  }
  return REDACT_KINDS.filter((kind) => value.includes(kind))
}
