-- Cheaper message-count updates for the group commit (docs/performance.md):
-- a batch touches one session row per conversation, so what each count
-- update costs is paid once per message at high concurrency.
--
-- 1. parley_insert_messages has already locked its sessions (in session_id
--    order) when its insert fires the count trigger, so the count update
--    skips taking the same locks again.
-- 2. The session row's BEFORE trigger is not called for the count update's
--    own rows, which change message_count and nothing else. The setting
--    names the trigger depth of that one UPDATE, so an update made by any
--    other trigger it sets off still goes through every invariant. The
--    trigger's WHEN names no column, so columns stay free to alter.
-- Both settings are transaction-local and cleared once their statement ends.

drop trigger parley_session_before_write on conversation_sessions;
create trigger parley_session_before_write
  before insert or update on conversation_sessions
  for each row
  when (current_setting('parley.counting_depth', true) is distinct from pg_trigger_depth()::text)
  execute function parley_session_before_write();

create or replace function parley_adjust_message_counts(session_ids uuid[], deltas bigint[]) returns void
language plpgsql as $$
begin
  if current_setting('parley.sessions_locked', true) is distinct from 'on' then
    perform 1 from conversation_sessions
    where session_id = any(session_ids)
    order by session_id
    for no key update;
  end if;
  perform set_config('parley.counting_depth', pg_trigger_depth()::text, true);
  update conversation_sessions s set message_count = greatest(s.message_count + change.delta, 0)
  from unnest(session_ids, deltas) as change(session_id, delta)
  where s.session_id = change.session_id and change.delta <> 0;
  perform set_config('parley.counting_depth', '', true);
end
$$;

create or replace function parley_insert_messages(batch jsonb)
returns table (
  ord int, caller_failed boolean, session_found boolean, session_active boolean,
  differs boolean, stored boolean, seq bigint, created_at timestamptz, user_id uuid, inserted boolean)
language plpgsql as $$
#variable_conflict use_column
begin
  perform set_config('parley.sessions_locked', 'on', true);
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
  perform set_config('parley.sessions_locked', '', true);
end
$$;

alter function parley_insert_messages(jsonb) set enable_seqscan = off;
