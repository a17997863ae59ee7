// The export's own read of sessions: oldest first, by keyset, without what a
// listing page adds (previews); the indexes on (started_at, session_id) serve it.

/** Sessions of user `$1` (any when null) started in [`$4`, `$5`), after the cursor (`$2`, `$3`), oldest first. */
export const exportSessionPage = /* sql */ `
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
