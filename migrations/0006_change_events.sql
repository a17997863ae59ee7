-- Change events for live subscribers (`GET /v1/stream`). NOTIFY is
-- transactional: listeners hear of rows only once they are committed, on any
-- connection, so a subscriber on one server sees writes made through another
-- (and by psql, or the seed's Python code). A payload may not exceed 8000
-- bytes: it names the rows (ids) rather than carrying them, 100 per
-- notification, and the server reads the rows it needs.

create or replace function parley_notify_messages_inserted() returns trigger
language plpgsql as $$
declare
  chunk record;
begin
  for chunk in
    select session_id, user_id, json_agg(id order by seq) as ids
    from (
      select session_id, user_id, id, seq,
        (row_number() over (partition by session_id, user_id order by seq) - 1) / 100 as part
      from inserted_messages
    ) numbered
    group by session_id, user_id, part
    order by min(seq)
  loop
    perform pg_notify('parley_events', json_build_object(
      'type', 'message.created', 'session_id', chunk.session_id, 'user_id', chunk.user_id, 'ids', chunk.ids)::text);
  end loop;
  return null;
end
$$;

create trigger parley_notify_messages_inserted
  after insert on conversation_messages
  referencing new table as inserted_messages
  for each statement execute function parley_notify_messages_inserted();

-- The summary is small enough to travel whole; a reason written by another
-- client is cut so that the payload stays within the limit.
create or replace function parley_notify_session_ended() returns trigger
language plpgsql as $$
begin
  perform pg_notify('parley_events', json_build_object(
    'type', 'session.ended', 'session_id', new.session_id, 'user_id', new.user_id,
    'ended_at', new.ended_at, 'duration_seconds', new.duration_seconds,
    'message_count', new.message_count, 'ended_reason', left(new.ended_reason, 500))::text);
  return null;
end
$$;

create trigger parley_notify_session_ended
  after update on conversation_sessions
  for each row when (old.is_active and not new.is_active)
  execute function parley_notify_session_ended();
