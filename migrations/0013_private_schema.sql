-- Secure by default (docs/security.md). On Supabase every table and function
-- created in `public` is granted to the API roles (anon, authenticated,
-- service_role), so the public anon key could read every conversation, mint
-- an admin key and call the invariant functions. From here on:
--
-- 1. Everything internal lives in schema `parley`, which Supabase's API does
--    not expose, closed to PUBLIC and to the API roles. API keys and the
--    migration history move there in place, rows and all. The migrator finds
--    its history in either place; it records this migration after the move.
-- 2. Every function has `search_path = ''` and names what it uses; those that
--    keep invariants run with the owner's rights (SECURITY DEFINER), so a
--    writer's row level security cannot leave a count behind.
-- 3. Row level security on both conversation tables: an end user (the JWT's
--    `sub`) reads and writes only their own sessions and messages; anon holds
--    no privilege at all. The owner (Parley, Supabase's `postgres`) and
--    service_role bypass it.
-- Role-dependent statements are guarded by pg_roles, so plain PostgreSQL and
-- PGlite without the API roles run this unchanged.

create schema if not exists parley;

do $$
begin
  if to_regclass('parley_migrations') is not null and to_regclass('parley.migrations') is null then
    alter table parley_migrations set schema parley;
    alter table parley.parley_migrations rename to migrations;
    alter table parley.migrations rename constraint parley_migrations_pkey to migrations_pkey;
  end if;
  if to_regclass('parley_api_keys') is not null and to_regclass('parley.api_keys') is null then
    alter table parley_api_keys set schema parley;
    alter table parley.parley_api_keys rename to api_keys;
  end if;
end
$$;

-- Functions keep their oids (triggers point at them), and get their new body.
alter function parley_session_before_write() set schema parley;
alter function parley.parley_session_before_write() rename to session_before_write;
alter function parley_message_before_write() set schema parley;
alter function parley.parley_message_before_write() rename to message_before_write;
alter function parley_adjust_message_counts(uuid[], bigint[]) set schema parley;
alter function parley.parley_adjust_message_counts(uuid[], bigint[]) rename to adjust_message_counts;
alter function parley_messages_count_inserted() set schema parley;
alter function parley.parley_messages_count_inserted() rename to messages_count_inserted;
alter function parley_messages_count_deleted() set schema parley;
alter function parley.parley_messages_count_deleted() rename to messages_count_deleted;
alter function parley_messages_count_moved() set schema parley;
alter function parley.parley_messages_count_moved() rename to messages_count_moved;
alter function parley_insert_messages(jsonb) set schema parley;
alter function parley.parley_insert_messages(jsonb) rename to insert_messages;
alter function parley_notify_messages_inserted() set schema parley;
alter function parley.parley_notify_messages_inserted() rename to notify_messages_inserted;
alter function parley_notify_session_ended() set schema parley;
alter function parley.parley_notify_session_ended() rename to notify_session_ended;
alter function parley_notify_session_started() set schema parley;
alter function parley.parley_notify_session_started() rename to notify_session_started;

create or replace function parley.session_before_write() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
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

  -- Aliases: session_start (and session_end) wins when both are given.
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

  -- Switching is_active off ends the session now (never before its start).
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
  -- message_count is kept by the message triggers; a writer's value is ignored.
  if tg_op = 'INSERT' then
    new.message_count := 0;
  elsif pg_trigger_depth() < 2 then
    new.message_count := old.message_count;
  end if;
  return new;
end
$$;

-- The owner's rights: the user_id comes from the session even when the
-- writer's policies would hide it.
create or replace function parley.message_before_write() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.user_id is null then
    select s.user_id into new.user_id
    from public.conversation_sessions s where s.session_id = new.session_id;
  end if;
  new.metadata := coalesce(new.metadata, '{}');
  new.created_at := coalesce(new.created_at, now());
  return new;
end
$$;

create or replace function parley.adjust_message_counts(session_ids uuid[], deltas bigint[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if current_setting('parley.sessions_locked', true) is distinct from 'on' then
    perform 1 from public.conversation_sessions
    where session_id = any(session_ids)
    order by session_id
    for no key update;
  end if;
  perform set_config('parley.counting_depth', pg_trigger_depth()::text, true);
  -- A user's own trigger on the sessions runs inside this update and expects
  -- the usual search_path; ours names everything, pg_catalog first. Restored
  -- on return (the function's SET clause).
  perform set_config('search_path', 'pg_catalog, public', true);
  update public.conversation_sessions s set message_count = greatest(s.message_count + change.delta, 0)
  from unnest(session_ids, deltas) as change(session_id, delta)
  where s.session_id = change.session_id and change.delta <> 0;
  perform set_config('parley.counting_depth', '', true);
end
$$;

create or replace function parley.messages_count_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform parley.adjust_message_counts(array_agg(session_id), array_agg(n))
  from (select session_id, count(*) as n from inserted_messages group by session_id) added;
  return null;
end
$$;

create or replace function parley.messages_count_deleted() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform parley.adjust_message_counts(array_agg(session_id), array_agg(-n))
  from (select session_id, count(*) as n from deleted_messages group by session_id) removed;
  return null;
end
$$;

create or replace function parley.messages_count_moved() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform parley.adjust_message_counts(array_agg(session_id), array_agg(n))
  from (
    select session_id, sum(n)::bigint as n from (
      select session_id, count(*) as n from inserted_messages group by session_id
      union all
      select session_id, -count(*) as n from deleted_messages group by session_id
    ) changes group by session_id
  ) delta;
  return null;
end
$$;

create or replace function parley.insert_messages(batch jsonb)
returns table (
  ord int, caller_failed boolean, session_found boolean, session_active boolean,
  differs boolean, stored boolean, seq bigint, created_at timestamptz, user_id uuid, inserted boolean)
language plpgsql security definer set search_path = '' set enable_seqscan = off as $$
#variable_conflict use_column
begin
  perform set_config('parley.sessions_locked', 'on', true);
  -- As in adjust_message_counts: for a user's triggers on the messages.
  perform set_config('search_path', 'pg_catalog, public', true);
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
    for no key update
    ),
    existing as (
    select m.* from public.conversation_messages m where m.id in (select id from input)
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

create or replace function parley.notify_messages_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform pg_notify('parley_events', '{"type":"message.created","session_id":"' || m.session_id
      || '","user_id":' || coalesce('"' || m.user_id || '"', 'null') || ',"ids":["' || m.id || '"]}')
  from (select session_id, user_id, id from inserted_messages order by seq offset 0) m;
  return null;
end
$$;

create or replace function parley.notify_session_ended() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform pg_notify('parley_events', json_build_object(
    'type', 'session.ended', 'session_id', new.session_id, 'user_id', new.user_id,
    'ended_at', new.ended_at, 'duration_seconds', new.duration_seconds,
    'message_count', new.message_count, 'ended_reason', left(new.ended_reason, 500))::text);
  return null;
end
$$;

create or replace function parley.notify_session_started() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform pg_notify('parley_events', json_build_object(
    'type', 'session.started', 'session_id', new.session_id, 'user_id', new.user_id,
    'started_at', new.started_at)::text);
  return null;
end
$$;

-- Closed to everyone but the owner, now and for what later migrations add.
revoke all on schema parley from public;
revoke all on all tables in schema parley from public;
revoke all on all sequences in schema parley from public;
revoke all on all functions in schema parley from public;
alter default privileges in schema parley revoke all on tables from public;
alter default privileges in schema parley revoke all on sequences from public;
alter default privileges in schema parley revoke all on functions from public;

do $$
declare
  api_role text;
begin
  for api_role in select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') loop
    execute format('revoke all on schema parley from %I', api_role);
    execute format('revoke all on all tables in schema parley from %I', api_role);
    execute format('revoke all on all sequences in schema parley from %I', api_role);
    execute format('revoke all on all functions in schema parley from %I', api_role);
    execute format('revoke all on table public.conversation_sessions, public.conversation_messages from %I', api_role);
    execute format('revoke all on sequence public.conversation_messages_seq_seq from %I', api_role);
  end loop;
  -- anon keeps nothing. A signed-in user may start, read and end their own
  -- sessions and add to and read their own messages; policies pick the rows.
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    grant select, insert, update on table public.conversation_sessions to authenticated;
    grant select, insert on table public.conversation_messages to authenticated;
    grant usage on sequence public.conversation_messages_seq_seq to authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select, insert, update, delete on table public.conversation_sessions, public.conversation_messages to service_role;
    grant usage on sequence public.conversation_messages_seq_seq to service_role;
  end if;
end
$$;
revoke all on table public.conversation_sessions, public.conversation_messages from public;
revoke all on sequence public.conversation_messages_seq_seq from public;

alter table public.conversation_sessions enable row level security;
alter table public.conversation_messages enable row level security;

-- The end user is the JWT's `sub`: auth.uid() on Supabase, the same claim
-- read from request.jwt.claims elsewhere. In a sub-select, so that it is
-- evaluated once per statement (Supabase's lint 0003).
do $$
declare
  sub text := case
    when to_regprocedure('auth.uid()') is not null then '(select auth.uid())'
    else '(select (nullif(current_setting(''request.jwt.claims'', true), '''')::jsonb ->> ''sub'')::uuid)'
  end;
begin
  execute format('create policy conversation_sessions_select_own on public.conversation_sessions for select using (user_id = %s)', sub);
  execute format('create policy conversation_sessions_insert_own on public.conversation_sessions for insert with check (user_id = %s)', sub);
  execute format('create policy conversation_sessions_update_own on public.conversation_sessions for update using (user_id = %s) with check (user_id = %s)', sub, sub);
  execute format('create policy conversation_messages_select_own on public.conversation_messages for select using ('
    'exists (select 1 from public.conversation_sessions s where s.session_id = conversation_messages.session_id and s.user_id = %s))', sub);
  -- Only into an active session of one's own, and as oneself (the trigger
  -- has filled user_id from the session when the writer gave none).
  execute format('create policy conversation_messages_insert_own on public.conversation_messages for insert with check (user_id = %s and '
    'exists (select 1 from public.conversation_sessions s where s.session_id = conversation_messages.session_id and s.user_id = %s and s.is_active))', sub, sub);
end
$$;
