// Full-text search over conversation_messages, by the GIN index of migration 0007.

/**
 * Matching messages, newest first, each with a headline whose matches sit
 * between the sentinels `$9` (start) and `$10` (stop); those characters are
 * removed from the text first so that they mark nothing else. `$11` holds
 * ts_headline's options. The cursor is the last row's created_at (as text,
 * microseconds kept) and id. Headlines are made for the page only.
 */
export const searchMessages = /* sql */ `
  select page.*,
    ts_headline('simple', translate(page.content, $9::text || $10::text, ''), websearch_to_tsquery('simple', $1), $11::text) as headline,
    to_char(page."createdAt" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorCreated"
  from (
    select id, session_id as "sessionId", user_id as "userId", role, content,
      audio_url as "audioUrl", metadata, created_at as "createdAt", seq
    from conversation_messages
    where to_tsvector('simple', content) @@ websearch_to_tsquery('simple', $1)
      and ($2::uuid is null or user_id = $2::uuid)
      and ($3::text is null or role = $3::text)
      and ($4::timestamptz is null or created_at >= $4::timestamptz)
      and ($5::timestamptz is null or created_at < $5::timestamptz)
      and ($6::timestamptz is null or (created_at, id) < ($6::timestamptz, $7::uuid))
    order by created_at desc, id desc
    limit $8
  ) page
  order by page."createdAt" desc, page.id desc`
