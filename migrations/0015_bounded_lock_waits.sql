-- Group commit without head-of-line blocking, and a stricter retry check.
--
-- 1. A session row locked by someone else (a person in psql, another
--    replica's batch) no longer holds the whole batch: its sessions are
--    taken with SKIP LOCKED, and the callers whose session could not be
--    locked are reported as session_busy and store nothing. The writer
--    retries them alone with wait_for_locks, which waits for the lock
--    (bounded by lock_timeout) so a short lock still commits.
-- 2. A stored id is a retry only when every field agrees: created_at too
--    (when the retry gives one, to the millisecond a JSON timestamp keeps),
--    and `differing` names the fields that do not.
-- The result gains columns, so the function is dropped and created again,
-- where it lives: public.parley_insert_messages, or parley.insert_messages
-- once the internals have moved to their own schema (0013), where it runs
-- with the owner's rights and an empty search_path like the functions beside
-- it (every name in it is qualified; a user's own triggers get pg_catalog,
-- public for its statements, as in 0013). In public it keeps the caller's
-- search_path, which the triggers it fires there still rely on.

do $migration$
declare
  moved boolean := to_regprocedure('parley.insert_messages(jsonb)') is not null;
  target text := case when moved then 'parley.insert_messages' else 'public.parley_insert_messages' end;
begin
  execute format('drop function %s(jsonb)', target);
  execute format($create$
create function %s(batch jsonb, wait_for_locks boolean default false)
returns table (
  ord int, caller_failed boolean, session_found boolean, session_active boolean,
  session_busy boolean, differs boolean, differing text[], stored boolean, seq bigint,
  created_at timestamptz, user_id uuid, inserted boolean)
language plpgsql %s set enable_seqscan = off as $body$
#variable_conflict use_column
begin
  if wait_for_locks then
    perform 1 from public.conversation_sessions s
    where s.session_id in (select (e->>'session_id')::uuid from jsonb_array_elements(batch) e)
    order by s.session_id
    for no key update;
  end if;
  perform set_config('parley.sessions_locked', 'on', true);
  %s
  return query
  with input as (
    select * from jsonb_to_recordset(batch) as i(
      ord int, caller int, id uuid, session_id uuid, role text, content text,
      audio_url text, metadata jsonb, created_at timestamptz)
    ),
    target_sessions as (
    select s.session_id, s.user_id, s.is_active
    from public.conversation_sessions s
    where s.session_id in (select session_id from input)
    order by s.session_id
    for no key update skip locked
    ),
    existing as (
    select m.* from public.conversation_messages m where m.id in (select id from input)
    ),
    compared as (
    select i.*, t.user_id as session_user_id,
      t.session_id is not null as session_locked,
      e.id is not null as already_stored,
      array_remove(array[
        case when e.session_id is distinct from i.session_id then 'session_id' end,
        case when e.role is distinct from i.role then 'role' end,
        case when e.content is distinct from i.content then 'content' end,
        case when e.audio_url is distinct from i.audio_url then 'audio_url' end,
        case when e.metadata is distinct from i.metadata then 'metadata' end,
        case when i.created_at is not null
          and date_trunc('milliseconds', e.created_at) is distinct from date_trunc('milliseconds', i.created_at)
          then 'created_at' end
      ], null) as differing_fields,
      coalesce(t.is_active, false) as locked_active
    from input i
    left join target_sessions t on t.session_id = i.session_id
    left join existing e on e.id = i.id
    ),
    checked as (
    select c.*,
      not c.session_locked and exists (select 1 from public.conversation_sessions s where s.session_id = c.session_id) as session_busy,
      c.already_stored and cardinality(c.differing_fields) > 0 as differs
    from compared c
    ),
    failed_callers as (
    select distinct caller from checked
    where differs or (not already_stored and (session_busy or not locked_active))
    ),
    inserted as (
    insert into public.conversation_messages (id, session_id, user_id, role, content, audio_url, metadata, created_at)
    select id, session_id, session_user_id, role, content, audio_url, metadata, coalesce(created_at, now())
    from checked
    where not already_stored and caller not in (select caller from failed_callers)
    order by ord
    on conflict (id) do nothing
    returning id, seq, created_at, user_id
    )
    select c.ord,
    c.caller in (select caller from failed_callers) as caller_failed,
    c.session_locked or c.session_busy as session_found,
    c.locked_active as session_active,
    c.session_busy,
    c.differs,
    case when c.differs then c.differing_fields else '{}'::text[] end as differing,
    n.id is not null or c.already_stored as stored,
    coalesce(n.seq, e.seq) as seq,
    coalesce(n.created_at, e.created_at) as created_at,
    coalesce(n.user_id, e.user_id) as user_id,
    n.id is not null as inserted
    from checked c
    left join inserted n on n.id = c.id
    left join existing e on e.id = c.id
    order by c.ord;
  perform set_config('parley.sessions_locked', '', true);
end
$body$
$create$, target, case when moved then 'security definer set search_path = ''''' else '' end,
    -- As in 0013: a user's own triggers on the messages find the usual names (the function's SET restores it).
    case when moved then 'perform set_config(''search_path'', ''pg_catalog, public'', true);' else '' end);
  if moved then
    execute format('revoke all on function %s(jsonb, boolean) from public', target);
  end if;
end
$migration$;
