-- Cheaper invariant triggers for ingest (see docs/performance.md). The rules
-- are those of 0002 and 0006; only when the functions run changes.

-- A message that arrives with its user, metadata and time (every group-commit
-- row whose session has a user) needs nothing filled in: a WHEN clause costs
-- far less than calling PL/pgSQL once per row.
drop trigger parley_message_before_write on conversation_messages;
create trigger parley_message_before_write
  before insert or update on conversation_messages
  for each row
  when (new.user_id is null or new.metadata is null or new.created_at is null)
  execute function parley_message_before_write();

-- Each write batch moves message_count on every session it touches, through
-- the count triggers (one level down). Such an update changes nothing else,
-- and on such a row the session function is the identity: skip it. A writer's
-- own update of message_count (at the top level) still runs it, which puts the
-- count back. (A WHEN clause that reads OLD needs an update-only trigger.)
drop trigger parley_session_before_write on conversation_sessions;
create trigger parley_session_before_write
  before insert on conversation_sessions
  for each row execute function parley_session_before_write();
create trigger parley_session_before_update
  before update on conversation_sessions
  for each row
  when (
    pg_trigger_depth() < 1
    or (old.id, old.session_id, old.user_id, old.session_start, old.started_at, old.session_end,
        old.ended_at, old.is_active, old.duration_seconds, old.metadata, old.topics_discussed)
      is distinct from
       (new.id, new.session_id, new.user_id, new.session_start, new.started_at, new.session_end,
        new.ended_at, new.is_active, new.duration_seconds, new.metadata, new.topics_discussed)
  )
  execute function parley_session_before_write();

-- One statement for all of a batch's notifications instead of a PL/pgSQL loop
-- over them; the payloads and their order (by first seq) are those of 0006.
create or replace function parley_notify_messages_inserted() returns trigger
language plpgsql as $$
begin
  perform pg_notify('parley_events', json_build_object(
      'type', 'message.created', 'session_id', chunk.session_id, 'user_id', chunk.user_id, 'ids', chunk.ids)::text)
  from (
    select session_id, user_id, json_agg(id order by seq) as ids, min(seq) as first_seq
    from (
      select session_id, user_id, id, seq,
        (row_number() over (partition by session_id, user_id order by seq) - 1) / 100 as part
      from inserted_messages
    ) numbered
    group by session_id, user_id, part
    order by first_seq
    offset 0
  ) chunk;
  return null;
end
$$;
