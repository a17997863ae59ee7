import type { Metadata, Role } from '../model/types.js'

/** The platforms `parley import --from` reads. */
export const PLATFORMS = [
  'vapi',
  'retell',
  'elevenlabs',
  'livekit',
  'openai-realtime',
  'openai-chat',
  'vercel-ui',
  'parley',
] as const
export type Platform = (typeof PLATFORMS)[number]

/** Where a payload came from: errors name this path. */
export interface ImportContext {
  path: string
  /**
   * When the file was written. Chat formats carry no times; their sessions
   * start here (the CLI passes the file's mtime). Default: the Unix epoch.
   */
  modifiedAt?: Date
}

export interface ImportedMessage {
  id: string
  role: Role
  content: string
  audioUrl: string | null
  metadata: Metadata
  createdAt: Date
  /** JSON pointer of the item this row came from, for errors found while writing. */
  pointer: string
}

/** One conversation as an adapter reads it, ready to be written (see write-session.ts). */
export interface ImportedSession {
  session: {
    sessionId: string
    userId: string | null
    startedAt: Date
    endedAt: Date | null
    endedReason: string | null
    metadata: Metadata
    /** The file says the conversation is still going (a Parley export of an active session): it stays active. */
    active?: boolean
  }
  /** In conversation order. */
  messages: ImportedMessage[]
  /** JSON pointer of the session's payload inside its file. */
  pointer: string
}

/**
 * One platform's format. `parse` is pure: the same payload gives the same
 * sessions and ids. `toPlatform` is its inverse: `toPlatform(parse(p))`
 * deep-equals `p`, thanks to `metadata.source.raw`.
 */
export interface ImportAdapter {
  platform: Platform
  parse(payload: unknown, context: ImportContext): ImportedSession[]
  toPlatform(sessions: readonly ImportedSession[]): unknown
}

/** `metadata.source` of an imported message. */
export interface MessageSource {
  platform: Platform
  /** The platform's own role (`bot`, `agent`, `tool_calls`…). */
  role: string
  /** Key of the provider item this row came from; rows of one item share it. */
  item: string
  raw: Record<string, unknown>
}

/** `metadata.source` of an imported session. */
export interface SessionSource {
  platform: Platform
  /** The provider's call / conversation id (or a content hash for chat formats). */
  id: string
  /** Which of the platform's payload shapes the file used (`webhook`, `object`…), when it has several. */
  shape?: string
  /**
   * `order-only` when the payload gives no time for its turns: their
   * `created_at` keeps their order but says nothing about when they were said.
   */
  timing?: 'order-only'
  raw: Record<string, unknown>
}

/** `metadata.recording` of an imported session: the call's recording, as the platform links it. */
export interface SessionRecording {
  /** The main (mixed, mono) recording. */
  url: string
  /** Caller and agent on separate channels. */
  stereo_url?: string
  /** Other variants by the platform's name (`assistant_url`, `customer_url`, `scrubbed_url`…). */
  [variant: string]: string | undefined
}
