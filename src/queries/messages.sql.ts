// Queries on conversation_messages. Columns come back camelCased, ready for `Message`.

const messageColumns = /* sql */ `
  id, session_id as "sessionId", user_id as "userId", role, content,
  audio_url as "audioUrl", metadata, created_at as "createdAt", seq`

/**
 * The group commit: many callers' messages in one statement, hence one
 * transaction. `$1` is a JSON array of rows, each tagged with its place
 * (`ord`) and its caller. A caller whose rows cannot all be stored (session
 * missing or ended, id reused with other content) stores none of them and is
 * told why by the flags; the other callers' rows go in. Rows whose id is
 * already stored with the same content are returned as stored (a retry).
 * Locking the sessions first keeps `endSession` from slipping in between the
 * check and the insert.
 */
export const insertMessageBatch = /* sql */ `
  with input as (
    select * from jsonb_to_recordset($1::jsonb) as i(
      ord int, caller int, id uuid, session_id uuid, role text, content text,
      audio_url text, metadata jsonb, created_at timestamptz)
  ),
  target_sessions as (
    select s.session_id, s.user_id, s.is_active
    from conversation_sessions s
    where s.session_id in (select session_id from input)
    order by s.session_id
    for no key update
  ),
  existing as (
    select m.* from conversation_messages m where m.id in (select id from input)
  ),
  checked as (
    select i.*, t.user_id as session_user_id,
      t.session_id is not null as session_found,
      coalesce(t.is_active, false) as session_active,
      e.id is not null as already_stored,
      e.id is not null
        and (e.session_id, e.role, e.content, e.audio_url, e.metadata)
          is distinct from (i.session_id, i.role, i.content, i.audio_url, i.metadata) as differs
    from input i
    left join target_sessions t on t.session_id = i.session_id
    left join existing e on e.id = i.id
  ),
  failed_callers as (
    select distinct caller from checked
    where differs or (not already_stored and not session_active)
  ),
  inserted as (
    insert into conversation_messages (id, session_id, user_id, role, content, audio_url, metadata, created_at)
    select id, session_id, session_user_id, role, content, audio_url, metadata, coalesce(created_at, now())
    from checked
    where not already_stored and caller not in (select caller from failed_callers)
    order by ord
    on conflict (id) do nothing
    returning id, seq, created_at, user_id
  )
  select c.ord,
    c.caller in (select caller from failed_callers) as "callerFailed",
    c.session_found as "sessionFound", c.session_active as "sessionActive",
    c.differs, n.id is not null or c.already_stored as stored,
    coalesce(n.seq, e.seq) as seq,
    coalesce(n.created_at, e.created_at) as "createdAt",
    coalesce(n.user_id, e.user_id) as "userId",
    n.id is not null as inserted
  from checked c
  left join inserted n on n.id = c.id
  left join existing e on e.id = c.id
  order by c.ord`

/** A session's messages in conversation order, after the message `$2` when given. */
export const listMessages = /* sql */ `
  select ${messageColumns} from conversation_messages
  where session_id = $1::uuid and seq > $2
  order by seq
  limit $3`

/** Where a message stands in its session's order, to page after it. */
export const selectMessageSeq = /* sql */ `
  select seq from conversation_messages where id = $1::uuid and session_id = $2::uuid`
