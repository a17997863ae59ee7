// Every limit Parley enforces, in one dependency-free place: the model checks
// them, the wire schemas and the OpenAPI document are built from them, and
// the browser SDK respects them.

/** Size limits checked before anything is written; `createTracker({ limits })` changes them. */
export interface Limits {
  /** Largest `content` in UTF-8 bytes (default 256 KiB). */
  maxContentBytes: number
  /** Largest `metadata` as JSON, in bytes (default 64 KiB). */
  maxMetadataBytes: number
  /** Most messages in one `addMessages` call (default 500). */
  maxMessagesPerCall: number
}

/** Most messages in one POST or `message.add` frame. */
export const MAX_MESSAGES_PER_REQUEST = 500

export const DEFAULT_LIMITS: Limits = {
  maxContentBytes: 256 * 1024,
  maxMetadataBytes: 64 * 1024,
  maxMessagesPerCall: MAX_MESSAGES_PER_REQUEST,
}

/** Largest request body or WebSocket frame, in bytes (413 beyond). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

/** Longest end reason (`ended_reason`), in UTF-8 bytes. */
export const MAX_REASON_LENGTH = 200

/** Longest `audioUrl`, in UTF-8 bytes. */
export const MAX_URL_LENGTH = 2048

/** Page sizes of the reads: the default and the most one page may ask for. */
export const PAGE_LIMITS = {
  messages: { default: 100, max: 1000 },
  sessions: { default: 50, max: 500 },
  search: { default: 20, max: 100 },
} as const

/**
 * How long a statement may wait for a lock (`lock_timeout`) and run at all
 * (`statement_timeout`), unless `createTracker({ lockTimeoutMs,
 * statementTimeoutMs })` says otherwise. Parley's own locks last one batch
 * (milliseconds), so a 5 s wait is someone else's long transaction; the SDK's
 * retry budget (30 s) spans several such waits. The slowest statement Parley
 * runs (a 2000-row batch, a stats window) takes well under a second; 15 s is
 * three lock waits, so a lock wait reports as a lock timeout.
 */
export const DEFAULT_TIMEOUTS = { lockTimeoutMs: 5_000, statementTimeoutMs: 15_000 } as const

/** The longest timeout accepted (one hour), so a typo cannot turn a bound into none. */
export const MAX_TIMEOUT_MS = 3_600_000
