-- Live events for new sessions, so that a list of sessions (the dashboard's)
-- shows one as it starts. Same channel and shape as 0006; the client reads
-- the session itself when it wants more than its id, user and start.
create or replace function parley_notify_session_started() returns trigger
language plpgsql as $$
begin
  perform pg_notify('parley_events', json_build_object(
    'type', 'session.started', 'session_id', new.session_id, 'user_id', new.user_id,
    'started_at', new.started_at)::text);
  return null;
end
$$;

create trigger parley_notify_session_started
  after insert on conversation_sessions
  for each row execute function parley_notify_session_started();
