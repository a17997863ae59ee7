// What keeps an import lossless: each adapter maps what it understands and
// rebuilds the provider's shape from the mapped values; the residue is what
// the rebuild gets wrong or leaves out (unmapped fields, a timestamp a Date
// cannot hold exactly). Stored as `metadata.source.raw`, it is applied on top
// of the rebuild to get the original back.

import { isDeepStrictEqual } from 'node:util'

type Json = Record<string, unknown>

/** Fields the original did not have but the rebuild does. */
const ABSENT = '$absent'

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** What turns `rebuilt` back into `original`: differing fields, nested objects patched field by field. */
export function residue(original: Json, rebuilt: Json): Json {
  const raw: Json = {}
  for (const [key, value] of Object.entries(original)) {
    if (key in rebuilt && isDeepStrictEqual(value, rebuilt[key])) continue
    raw[key] = isPlainObject(value) && isPlainObject(rebuilt[key]) ? residue(value, rebuilt[key]) : value
  }
  const absent = Object.keys(rebuilt).filter((key) => !(key in original) && rebuilt[key] !== undefined)
  if (absent.length > 0) raw[ABSENT] = absent
  return raw
}

/** `rebuilt` with `raw` applied: the inverse of `residue`. */
export function applyResidue(rebuilt: Json, raw: Json | undefined): Json {
  const result: Json = {}
  for (const [key, value] of Object.entries(rebuilt)) if (value !== undefined) result[key] = value
  if (!raw) return result
  for (const [key, value] of Object.entries(raw)) {
    if (key === ABSENT) continue
    result[key] = isPlainObject(value) && isPlainObject(result[key]) ? applyResidue(result[key] as Json, value) : value
  }
  for (const key of (raw[ABSENT] as string[] | undefined) ?? []) delete result[key]
  return result
}
