-- The group commit as a function: its statement's plan is cached per
-- connection by PL/pgSQL (no client-side prepared statements, so transaction
-- poolers still work), where planning it on every call cost more than the
-- insert itself.
--
-- `batch` is a JSON array of rows, each tagged with its place (`ord`) and its
-- caller. A caller whose rows cannot all be stored (session missing or ended,
-- id reused with other content) stores none of them and is told why by the
-- flags; the other callers' rows go in. Rows whose id is already stored with
-- the same content come back as stored (a retry). Locking the sessions first
-- keeps an end from slipping in between the check and the insert.
create or replace function parley_insert_messages(batch jsonb)
returns table (
  ord int, caller_failed boolean, session_found boolean, session_active boolean,
  differs boolean, stored boolean, seq bigint, created_at timestamptz, user_id uuid, inserted boolean)
language plpgsql as $$
#variable_conflict use_column
begin
  return query
  with input as (
    select * from jsonb_to_recordset(batch) as i(
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
    c.caller in (select caller from failed_callers) as caller_failed,
    c.session_found as session_found, c.session_active as session_active,
    c.differs, n.id is not null or c.already_stored as stored,
    coalesce(n.seq, e.seq) as seq,
    coalesce(n.created_at, e.created_at) as created_at,
    coalesce(n.user_id, e.user_id) as user_id,
    n.id is not null as inserted
    from checked c
    left join inserted n on n.id = c.id
    left join existing e on e.id = c.id
    order by c.ord;
end
$$;
