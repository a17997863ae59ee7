// The goals, each a ratio of two figures from the same run.
export const GOALS = [
  { label: 'parley_library_c256 / copy_ceiling', of: 'parley_library_c256', over: 'copy_ceiling', atLeast: 0.5 },
  // Not a goal: the same rows COPYed in the group commit's batch shape.
  { label: '(ref) parley_library_c256 / copy_c256_shape', of: 'parley_library_c256', over: 'copy_c256_shape' },
  { label: 'parley_library_c256 / naive_pool16', of: 'parley_library_c256', over: 'naive_pool16', atLeast: 4 },
  { label: 'parley_library_c256 / langchain_pool16', of: 'parley_library_c256', over: 'langchain_pool16', atLeast: 4 },
  { label: 'parley_http_batch100 / copy_ceiling', of: 'parley_http_batch100', over: 'copy_ceiling', atLeast: 0.3 },
  { label: 'parley_http_single_c64 / naive_pool16', of: 'parley_http_single_c64', over: 'naive_pool16', atLeast: 1 },
  { label: 'parley_library_pglite_c256 / pglite_raw_tx1000', of: 'parley_library_pglite_c256', over: 'pglite_raw_tx1000', atLeast: 1 },
  { label: 'parley_add_p99_ms / single_insert_p99_ms', of: 'latency:parley_add_p99_ms', over: 'latency:single_insert_p99_ms', atMost: 3 },
  // Not the goal, a harder reference: the round trip on a table without Parley's triggers.
  { label: '(ref) parley_add_p99_ms / plain-table insert p99', of: 'latency:parley_add_p99_ms', over: 'latency:single_insert_plain_table_p99_ms' },
  { label: 'transcript api p50 / raw p50', of: 'read:transcript_api_p50', over: 'read:transcript_raw_p50', atMost: 2 },
  { label: 'user sessions api p50 / raw p50', of: 'read:user_sessions_api_p50', over: 'read:user_sessions_raw_p50', atMost: 2 },
  { label: 'serve_rss_peak (MB)', of: 'memory:serve_rss_peak', atMost: 200 },
  { label: 'export_1m_rss_peak (MB)', of: 'memory:export_1m_rss_peak', atMost: 200 },
]

function figure(results, name) {
  const [group, key] = name.includes(':') ? name.split(':') : ['ingest', name]
  const table = { ingest: results.ingest_rows_per_s, latency: results.latency_ms, read: results.read_ms, memory: results.memory_mb }[group]
  return table?.[key] ?? null
}

/** Each goal with its measured value (a ratio, or the figure itself) and whether it is met (null: not measured). */
export function checkGoals(results) {
  return GOALS.map((goal) => {
    const of = figure(results, goal.of)
    const over = goal.over ? figure(results, goal.over) : 1
    const value = of === null || over === null || over === 0 ? null : of / over
    if (goal.atLeast === undefined && goal.atMost === undefined) return { goal: goal.label, target: null, value, met: null, reference: true }
    const met = value === null ? null : goal.atLeast !== undefined ? value >= goal.atLeast : value <= goal.atMost
    return { goal: goal.label, target: goal.atLeast !== undefined ? `>= ${goal.atLeast}` : `<= ${goal.atMost}`, value, met }
  })
}
