// Queries of convergence: a platform's webhooks rewriting one call's session
// to the provider's latest word on it (src/tracker/converge.ts).

/** Creates the call's session unless it exists; the triggers fill id, aliases and times. */
export const insertConvergedSession = /* sql */ `
  insert into conversation_sessions (session_id, user_id, metadata, session_start)
  values ($1::uuid, null, $2::jsonb, $3::timestamptz)
  on conflict do nothing
  returning session_id`

/** The session row, locked until the transaction ends: deliveries of one call converge one at a time. */
export const lockConvergedSession = /* sql */ `
  select session_id as "sessionId", user_id as "userId", metadata, is_active as "isActive"
  from conversation_sessions where session_id = $1::uuid
  for update`

/** Every message of the session, in conversation order. */
export const selectConvergedMessages = /* sql */ `
  select id, role, content, audio_url as "audioUrl", metadata, created_at as "createdAt", seq
  from conversation_messages where session_id = $1::uuid
  order by seq`

/** Rows the provider added since: inserted whether or not the session is still running (a final report adds missing turns). */
export const insertConvergedMessages = /* sql */ `
  insert into conversation_messages (id, session_id, role, content, audio_url, metadata, created_at)
  select i.id, $1::uuid, i.role, i.content, i.audio_url, i.metadata, i.created_at
  from jsonb_to_recordset($2::jsonb) as i(ord int, id uuid, role text, content text, audio_url text, metadata jsonb, created_at timestamptz)
  order by i.ord`

/** A stored row rewritten as the provider now has it (a live turn claimed by its final, say): `old_id` names it. */
export const updateConvergedMessages = /* sql */ `
  update conversation_messages m
  set id = i.id, role = i.role, content = i.content, audio_url = i.audio_url, metadata = i.metadata, created_at = i.created_at
  from jsonb_to_recordset($2::jsonb) as i(old_id uuid, id uuid, role text, content text, audio_url text, metadata jsonb, created_at timestamptz)
  where m.session_id = $1::uuid and m.id = i.old_id`

/** Rows the provider's final report does not have (a live turn it never confirmed). */
export const deleteConvergedMessages = /* sql */ `
  delete from conversation_messages where session_id = $1::uuid and id = any($2::uuid[])`

/** `$1` fresh positions in the global message order, ascending. */
export const nextMessageSeqs = /* sql */ `
  select nextval('conversation_messages_seq_seq') as seq from generate_series(1, $1::int) order by 1`

/** Puts the session's rows in the provider's order: each id gets the position beside it. */
export const reorderConvergedMessages = /* sql */ `
  update conversation_messages m set seq = o.seq
  from unnest($2::uuid[], $3::bigint[]) as o(id, seq)
  where m.session_id = $1::uuid and m.id = o.id`

/** The session as the final report has it: its times, end reason and metadata (recording included). */
export const finishConvergedSession = /* sql */ `
  update conversation_sessions
  set session_start = $2::timestamptz, session_end = $3::timestamptz, ended_reason = $4, metadata = $5::jsonb
  where session_id = $1::uuid`
