-- A cheaper change-event trigger for ingest (see docs/performance.md): the
-- notifications of a batch go out from one statement instead of a PL/pgSQL
-- loop; payloads and their order (by first seq) are those of 0006.
--
-- WHEN clauses that would skip the other trigger functions were tried and
-- left out: they measured within the noise, and a trigger's WHEN makes the
-- columns it names impossible to alter or drop without dropping the trigger.

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
