-- The invariants live in the database, so that every writer (Parley, psql,
-- the seed's Python code through Supabase's REST API) leaves consistent rows.

create or replace function parley_session_before_write() returns trigger
language plpgsql as $$
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

create trigger parley_session_before_write
  before insert or update on conversation_sessions
  for each row execute function parley_session_before_write();

create or replace function parley_message_before_write() returns trigger
language plpgsql as $$
begin
  if new.user_id is null then
    select s.user_id into new.user_id
    from conversation_sessions s where s.session_id = new.session_id;
  end if;
  new.metadata := coalesce(new.metadata, '{}');
  new.created_at := coalesce(new.created_at, now());
  return new;
end
$$;

create trigger parley_message_before_write
  before insert or update on conversation_messages
  for each row execute function parley_message_before_write();

-- message_count: one update per session and statement, however many rows.
-- Sessions are locked in one order first, so that concurrent writers
-- touching the same sessions cannot deadlock.
create or replace function parley_adjust_message_counts(session_ids uuid[], deltas bigint[]) returns void
language plpgsql as $$
begin
  perform 1 from conversation_sessions
  where session_id = any(session_ids)
  order by session_id
  for no key update;
  update conversation_sessions s set message_count = greatest(s.message_count + change.delta, 0)
  from unnest(session_ids, deltas) as change(session_id, delta)
  where s.session_id = change.session_id and change.delta <> 0;
end
$$;

create or replace function parley_messages_count_inserted() returns trigger
language plpgsql as $$
begin
  perform parley_adjust_message_counts(array_agg(session_id), array_agg(n))
  from (select session_id, count(*) as n from inserted_messages group by session_id) added;
  return null;
end
$$;

create or replace function parley_messages_count_deleted() returns trigger
language plpgsql as $$
begin
  perform parley_adjust_message_counts(array_agg(session_id), array_agg(-n))
  from (select session_id, count(*) as n from deleted_messages group by session_id) removed;
  return null;
end
$$;

create or replace function parley_messages_count_moved() returns trigger
language plpgsql as $$
begin
  perform parley_adjust_message_counts(array_agg(session_id), array_agg(n))
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

create trigger parley_messages_count_insert
  after insert on conversation_messages
  referencing new table as inserted_messages
  for each statement execute function parley_messages_count_inserted();

create trigger parley_messages_count_delete
  after delete on conversation_messages
  referencing old table as deleted_messages
  for each statement execute function parley_messages_count_deleted();

create trigger parley_messages_count_update
  after update on conversation_messages
  referencing old table as deleted_messages new table as inserted_messages
  for each statement execute function parley_messages_count_moved();
