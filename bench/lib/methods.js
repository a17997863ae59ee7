// Every measured method: its script under bench/methods/ and how long it
// writes per run, in a full and in a quick run.
const SECONDS = { full: 6, quick: 2 }

export const INGEST_METHODS = [
  { name: 'copy_ceiling', seconds: SECONDS },
  // A reference, not a goal: COPY of the group commit's batches at 256
  // conversations (128-row statements, one row per session), the shape the
  // library's figure is made of.
  { name: 'copy_c256_shape', script: 'copy_ceiling', seconds: SECONDS, config: { rowsPerCopy: 128, sessions: 256, ownSessions: true } },
  { name: 'naive_sequential', seconds: SECONDS },
  { name: 'naive_pool16', seconds: SECONDS },
  { name: 'langchain_pool16', seconds: SECONDS },
  { name: 'pglite_raw_tx1000', seconds: SECONDS },
  { name: 'parley_library_c256', seconds: SECONDS },
  { name: 'parley_http_single_c64', seconds: SECONDS },
  { name: 'parley_http_batch100', seconds: SECONDS },
  { name: 'parley_ws', seconds: SECONDS },
  { name: 'parley_sdk', seconds: SECONDS },
  { name: 'parley_library_pglite_c256', seconds: SECONDS },
]

/** Latency at a steady offered load: both alternate with the ingest methods. */
export const LATENCY_METHODS = [
  { name: 'latency_parley_add', key: 'parley_add', seconds: { full: 6, quick: 2 } },
  { name: 'latency_single_insert', key: 'single_insert', seconds: { full: 6, quick: 2 } },
  // The same INSERT into a copy of the table without Parley's triggers: the
  // plain round trip, where the triggers' NOTIFY and count update make the
  // row above queue at this rate.
  { name: 'latency_single_insert_plain', script: 'latency_single_insert', key: 'single_insert_plain_table', seconds: { full: 6, quick: 2 }, config: { plainTable: true } },
]

export const LATENCY_RATE = 1000

/** `parley serve` under the c256 load, for its peak RSS. */
export const MEMORY_METHOD = { name: 'serve_memory_c256', seconds: SECONDS }

export const READ_ITERATIONS = { full: 400, quick: 150 }
