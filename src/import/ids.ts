import { createHash } from 'node:crypto'
import { v5 as uuidv5 } from 'uuid'
import type { Platform } from './types.js'

/**
 * The UUIDv5 namespace of imported ids. Never change it: re-importing a file
 * finds its rows by these ids, so a new namespace would import everything twice.
 */
export const PARLEY_IMPORT_NAMESPACE = '6f1c2b7e-9a43-4d8e-b0a5-2e7c4f9d1a38'

/** The session id of a provider's call: the same call always gets the same id. */
export function importedSessionId(platform: Platform, providerCallId: string): string {
  return uuidv5(`${platform}:${providerCallId}`, PARLEY_IMPORT_NAMESPACE)
}

/** The id of one item (turn, tool call…) of a provider's call. */
export function importedMessageId(platform: Platform, providerCallId: string, itemKey: string): string {
  return uuidv5(`${platform}:${providerCallId}:${itemKey}`, PARLEY_IMPORT_NAMESPACE)
}

/**
 * A call id for formats that have none (chat message arrays): a hash of the
 * parsed content, so the same conversation imports once whatever its
 * whitespace, and a different one never collides.
 */
export function contentHashId(payload: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32)}`
}
