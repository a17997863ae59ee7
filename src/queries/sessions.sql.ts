// Queries on conversation_sessions. Columns come back camelCased, ready for `Session`.

const sessionColumns = /* sql */ `
  session_id as "sessionId", user_id as "userId", started_at as "startedAt",
  ended_at as "endedAt", is_active as "isActive", duration_seconds as "durationSeconds",
  topics_discussed as "topicsDiscussed", metadata, message_count as "messageCount",
  ended_reason as "endedReason"`

/** Inserts a session unless its id exists; returns nothing in that case. The triggers fill id, aliases and times. */
export const insertSession = /* sql */ `
  insert into conversation_sessions (session_id, user_id, metadata, session_start)
  values ($1::uuid, $2::uuid, $3::jsonb, $4::timestamptz)
  on conflict do nothing
  returning ${sessionColumns}`

export const selectSession = /* sql */ `
  select ${sessionColumns} from conversation_sessions where session_id = $1::uuid`

/**
 * Ends a running session; returns nothing when it does not exist or has
 * already ended. A start the client stamped ahead of the database clock is
 * never after the end.
 */
export const endSession = /* sql */ `
  update conversation_sessions set session_end = greatest(now(), session_start), ended_reason = $2
  where session_id = $1::uuid and is_active
  returning ${sessionColumns}`

/**
 * A page of sessions, newest first. The cursor is the last row's start (as
 * text, microseconds kept) and id; `cursorStart` is that text for each row.
 * Each row's preview is looked up only for the page, by the (session_id, seq) index.
 */
export const listSessions = /* sql */ `
  select page.*, first_turn.preview
  from (
    select ${sessionColumns},
      to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorStart"
    from conversation_sessions
    where ($1::uuid is null or user_id = $1::uuid)
      and ($2::boolean is null or is_active = $2::boolean)
      and ($3::timestamptz is null or (started_at, session_id) < ($3::timestamptz, $4::uuid))
      and ($6::timestamptz is null or started_at >= $6::timestamptz)
      and ($7::timestamptz is null or started_at < $7::timestamptz)
      and ($8::jsonb is null or metadata @> $8::jsonb)
      and ($9::double precision is null or duration_seconds >= $9::double precision)
    order by started_at desc, session_id desc
    limit $5
  ) page
  left join lateral (
    select left(content, 120) as preview
    from conversation_messages
    where session_id = page."sessionId" and role in ('user', 'assistant')
    order by seq
    limit 1
  ) first_turn on true
  order by page."startedAt" desc, page."sessionId" desc`

/** A session as it was, with its own start (the trigger copies it to started_at); nothing when the id exists. */
export const insertWholeSession = /* sql */ `
  insert into conversation_sessions (session_id, user_id, metadata, session_start)
  values ($1::uuid, $2::uuid, $3::jsonb, $4::timestamptz)
  on conflict do nothing
  returning session_id`

/**
 * Ends a session at its own time, after its messages: the triggers then derive
 * the duration and is_active, and no message lands in an ended session.
 */
export const endWholeSession = /* sql */ `
  update conversation_sessions set session_end = $2::timestamptz, ended_reason = $3
  where session_id = $1::uuid and is_active`

/**
 * Sessions of user `$1` (any when null) started in [`$4`, `$5`), after the
 * cursor (`$2`, `$3`), oldest first, without what a listing page adds
 * (previews); the indexes on (started_at, session_id) serve it.
 */
export const sessionPageOldestFirst = /* sql */ `
  select session_id as "sessionId", user_id as "userId", started_at as "startedAt",
    ended_at as "endedAt", is_active as "isActive", duration_seconds as "durationSeconds",
    topics_discussed as "topicsDiscussed", metadata, message_count as "messageCount",
    ended_reason as "endedReason",
    to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorStart"
  from conversation_sessions
  where ($1::uuid is null or user_id = $1::uuid)
    and ($2::timestamptz is null or (started_at, session_id) > ($2::timestamptz, $3::uuid))
    and ($4::timestamptz is null or started_at >= $4::timestamptz)
    and ($5::timestamptz is null or started_at < $5::timestamptz)
  order by started_at, session_id
  limit $6`
