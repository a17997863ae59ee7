import { Compile } from 'typebox/compile'
import { ValidationError } from '../../model/errors.js'
import { schemaValidationError, type SchemaError } from '../schema-error.js'
import { CLIENT_FRAMES, type ClientFrame, type ClientFrameType, type Ref } from '../../protocol/stream-frames.js'

const validators = Object.fromEntries(
  Object.entries(CLIENT_FRAMES).map(([type, schema]) => [type, Compile(schema)]),
) as Record<ClientFrameType, ReturnType<typeof Compile>>

/** A frame as read: its `ref` (when it had a usable one), and the frame or why it was refused. */
export type ParsedFrame = { ref: Ref; frame: ClientFrame; error?: undefined } | { ref: Ref; frame?: undefined; error: ValidationError }

/**
 * Reads one text frame: JSON, a known `type`, and the fields its schema
 * allows, reported by field name as the HTTP API reports a body.
 */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return { ref: null, error: new ValidationError('frame', `is not valid JSON: ${reason}`, 'INVALID_JSON') }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ref: null, error: new ValidationError('frame', 'must be a JSON object with a type') }
  }
  const record = value as Record<string, unknown>
  const ref = typeof record.ref === 'string' || typeof record.ref === 'number' ? record.ref : null
  const type = record.type
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_FRAMES, type)) {
    const known = Object.keys(CLIENT_FRAMES).join(', ')
    const got = typeof type === 'string' ? `"${type}"` : 'none'
    return { ref, error: new ValidationError('type', `must be one of ${known}; got ${got}`, 'UNKNOWN_FRAME_TYPE') }
  }
  const validator = validators[type as ClientFrameType]
  if (validator.Check(value)) return { ref, frame: value as ClientFrame }
  return { ref, error: schemaValidationError([...validator.Errors(value)] as SchemaError[], 'frame') }
}
