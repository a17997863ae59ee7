-- Change events for messages, one notification per row, built by string
-- concatenation (docs/performance.md). Grouping a statement's rows by
-- session, as 0006 and 0008 did, cost the group commit more than the
-- notifications it saved: about 6 µs of the trigger's 7 per row went to
-- aggregating the transition table, against under 2 µs for a notification
-- per row. The payload keeps its shape (an `ids` array, now of one id), and
-- the server reads the rows of consecutive notifications in one query.
-- UUIDs need no escaping in JSON.

create or replace function parley_notify_messages_inserted() returns trigger
language plpgsql as $$
begin
  perform pg_notify('parley_events', '{"type":"message.created","session_id":"' || m.session_id
      || '","user_id":' || coalesce('"' || m.user_id || '"', 'null') || ',"ids":["' || m.id || '"]}')
  from (select session_id, user_id, id from inserted_messages order by seq offset 0) m;
  return null;
end
$$;
