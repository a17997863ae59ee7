-- Cheaper message-count updates for the group commit (docs/performance.md):
-- a batch touches one session row per conversation, so what each count
-- update costs is paid once per message at high concurrency.
--
-- 1. parley_insert_messages has already locked its sessions (in session_id
--    order) when its insert fires the count trigger, so the count update
--    skips taking the same locks again.
-- 2. The session row's BEFORE trigger returns at once for the count
--    update's own rows, which change message_count and nothing else. The
--    setting names the trigger depth of that one UPDATE, so an update made
--    by any other trigger it sets off still goes through every invariant.
-- Both settings are transaction-local and cleared once their statement ends.

create or replace function parley_session_before_write() returns trigger
language plpgsql as $$
begin
  -- The message-count update changes nothing else: skip the rest for it.
  if tg_op = 'UPDATE' and current_setting('parley.counting_depth', true) = pg_trigger_depth()::text then
    return new;
  end if;
  -- id and session_id are one value; a writer may give either.
  if tg_op = 'INSERT' then
    if new.id is null and new.session_id is null then
      new.id := gen_random_uuid();
    end if;
    new.id := coalesce(new.id, new.session_id);
    new.session_id := coalesce(new.session_id, new.id);
  elsif new.id is distinct from old.id and new.session_id is not distinct from old.session_id then
    new.session_id := new.id;
  elsif new.session_id is distinct from old.session_id and new.id is not distinct from old.id then
    new.id := new.session_id;
  end if;

  -- Aliases: the seed's code sets both from two clock reads microseconds
  -- apart, so session_start (and session_end) wins when both are given.
  if tg_op = 'INSERT' then
    new.session_start := coalesce(new.session_start, new.started_at, now());
    new.session_end := coalesce(new.session_end, new.ended_at);
  else
    if new.session_start is not distinct from old.session_start
       and new.started_at is distinct from old.started_at then
      new.session_start := new.started_at;
    end if;
    if new.session_end is not distinct from old.session_end
       and new.ended_at is distinct from old.ended_at then
      new.session_end := new.ended_at;
    end if;
  end if;

  -- Switching is_active off ends the session now, or at its start when the
  -- writer's clock put the start ahead of the database's (never before it).
  if new.is_active is false and new.session_end is null
     and (tg_op = 'INSERT' or old.is_active) then
    new.session_end := greatest(now(), new.session_start);
  end if;
  new.started_at := new.session_start;
  new.ended_at := new.session_end;
  new.is_active := new.session_end is null;

  -- The duration follows the times unless the writer set it in this statement.
  if new.session_end is null then
    new.duration_seconds := null;
  elsif new.duration_seconds is null
     or (tg_op = 'UPDATE'
         and new.duration_seconds is not distinct from old.duration_seconds
         and (new.session_end is distinct from old.session_end
              or new.session_start is distinct from old.session_start)) then
    new.duration_seconds := extract(epoch from new.session_end - new.session_start)::double precision;
  end if;

  new.metadata := coalesce(new.metadata, '{}');
  new.topics_discussed := coalesce(new.topics_discussed, '{}');
  -- message_count is kept by the message triggers (one level deeper); a
  -- writer's own value is ignored.
  if tg_op = 'INSERT' then
    new.message_count := 0;
  elsif pg_trigger_depth() < 2 then
    new.message_count := old.message_count;
  end if;
  return new;
end
$$;


create or replace function parley_adjust_message_counts(session_ids uuid[], deltas bigint[]) returns void
language plpgsql as $$
begin
  if current_setting('parley.sessions_locked', true) is distinct from 'on' then
    perform 1 from conversation_sessions
    where session_id = any(session_ids)
    order by session_id
    for no key update;
  end if;
  perform set_config('parley.counting_depth', (pg_trigger_depth() + 1)::text, true);
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
