// Every measured method: its script under bench/methods/, and how many rows it
// writes per run in a full and in a quick run (sized for a few seconds each).
export const INGEST_METHODS = [
  { name: 'copy_ceiling', rows: { full: 200_000, quick: 60_000 } },
  { name: 'naive_sequential', rows: { full: 8_000, quick: 3_000 } },
  { name: 'naive_pool16', rows: { full: 30_000, quick: 10_000 } },
  { name: 'langchain_pool16', rows: { full: 30_000, quick: 10_000 } },
  { name: 'pglite_raw_tx1000', rows: { full: 30_000, quick: 10_000 } },
  { name: 'parley_library_c256', rows: { full: 128_000, quick: 40_960 } },
  { name: 'parley_http_single_c64', rows: { full: 40_000, quick: 12_000 } },
  { name: 'parley_http_batch100', rows: { full: 150_000, quick: 40_000 } },
  { name: 'parley_ws', rows: { full: 40_000, quick: 12_000 } },
  { name: 'parley_sdk', rows: { full: 60_000, quick: 20_000 } },
  { name: 'parley_library_pglite_c256', rows: { full: 40_960, quick: 15_360 } },
]

/** Latency at a steady offered load: both alternate with the ingest methods. */
export const LATENCY_METHODS = [
  { name: 'latency_parley_add', key: 'parley_add', seconds: { full: 8, quick: 4 } },
  { name: 'latency_single_insert', key: 'single_insert', seconds: { full: 8, quick: 4 } },
  // The same INSERT into a copy of the table without Parley's triggers: the
  // plain round trip, where the triggers' NOTIFY and count update make the
  // row above queue at this rate.
  { name: 'latency_single_insert_plain', script: 'latency_single_insert', key: 'single_insert_plain_table', seconds: { full: 8, quick: 4 }, config: { plainTable: true } },
]

export const LATENCY_RATE = 1000

/** `parley serve` under the c256 load, for its peak RSS. */
export const MEMORY_METHOD = { name: 'serve_memory_c256', rows: { full: 40_000, quick: 15_000 } }

export const READ_ITERATIONS = { full: 400, quick: 150 }
