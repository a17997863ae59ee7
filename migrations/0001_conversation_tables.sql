-- The two tables of the seed's "Schema After Migration". On an empty database
-- this creates them; on the seed's old schema ("What I Found") it adds what is
-- missing, backfills it from what is there, and leaves unknown columns alone.

create table if not exists conversation_sessions (
  id uuid primary key,
  user_id uuid,
  session_start timestamptz,
  session_end timestamptz,
  is_active boolean,
  topics_discussed text[]
);

create table if not exists conversation_messages (
  id uuid primary key,
  session_id uuid not null,
  user_id uuid,
  role text not null,
  content text not null,
  created_at timestamptz not null default now()
);

alter table conversation_sessions
  add column if not exists user_id uuid,
  add column if not exists session_start timestamptz,
  add column if not exists session_end timestamptz,
  add column if not exists is_active boolean,
  add column if not exists topics_discussed text[],
  add column if not exists session_id uuid,
  add column if not exists started_at timestamptz,
  add column if not exists ended_at timestamptz,
  add column if not exists duration_seconds double precision,
  add column if not exists metadata jsonb,
  add column if not exists message_count integer,
  add column if not exists ended_reason text;

alter table conversation_messages
  add column if not exists user_id uuid,
  add column if not exists audio_url text,
  add column if not exists metadata jsonb,
  add column if not exists seq bigint;

-- Old messages pointed at conversation_sessions(id); they now point at
-- session_id, which is backfilled from id below, so every reference holds.
do $$
declare
  fk record;
begin
  for fk in
    select conname from pg_constraint
    where conrelid = 'conversation_messages'::regclass
      and confrelid = 'conversation_sessions'::regclass
      and contype = 'f'
  loop
    execute format('alter table conversation_messages drop constraint %I', fk.conname);
  end loop;
end
$$;

-- The triggers of the next migration fill these in; a default would hide
-- whether the writer gave a value.
alter table conversation_sessions
  alter column id drop default,
  alter column session_start drop default,
  alter column started_at drop default,
  alter column session_end drop default,
  alter column ended_at drop default;

update conversation_messages set
  created_at = coalesce(created_at, now()),
  metadata = coalesce(metadata, '{}'),
  content = coalesce(content, '');

-- Old rows are numbered in the order they were written (time, then id).
update conversation_messages m set seq = numbered.n
from (select id, row_number() over (order by created_at, id) as n from conversation_messages) numbered
where m.id = numbered.id;

update conversation_sessions s set
  session_id = coalesce(s.session_id, s.id),
  session_start = coalesce(s.session_start, s.started_at, now()),
  started_at = coalesce(s.session_start, s.started_at, now()),
  metadata = coalesce(s.metadata, '{}'),
  topics_discussed = coalesce(s.topics_discussed, '{}'),
  message_count = (select count(*) from conversation_messages m where m.session_id = s.id);

-- A session the old code marked inactive without an end time ended with its
-- last message (or, having none, at its start).
update conversation_sessions s set
  session_end = coalesce(
    s.session_end,
    s.ended_at,
    case when s.is_active is false then
      greatest(s.session_start, (select max(m.created_at) from conversation_messages m where m.session_id = s.id))
    end
  );

update conversation_sessions set
  ended_at = session_end,
  is_active = session_end is null,
  duration_seconds = case
    when session_end is null then duration_seconds
    else coalesce(duration_seconds, extract(epoch from session_end - session_start)::double precision)
  end;

create sequence if not exists conversation_messages_seq_seq as bigint owned by conversation_messages.seq;
select setval('conversation_messages_seq_seq', coalesce(max(seq), 0) + 1, false) from conversation_messages;

alter table conversation_sessions
  alter column session_id set not null,
  alter column session_start set not null,
  alter column started_at set not null,
  alter column is_active set not null,
  alter column is_active set default true,
  alter column topics_discussed set not null,
  alter column topics_discussed set default '{}',
  alter column metadata set not null,
  alter column metadata set default '{}',
  alter column message_count set not null,
  alter column message_count set default 0,
  add constraint conversation_sessions_session_id_key unique (session_id),
  add constraint conversation_sessions_id_is_session_id check (id = session_id),
  add constraint conversation_sessions_started_at_is_session_start check (started_at = session_start),
  add constraint conversation_sessions_ended_at_is_session_end check (ended_at is not distinct from session_end),
  add constraint conversation_sessions_active_until_ended check (is_active = (session_end is null)),
  add constraint conversation_sessions_ends_after_start check (session_end >= session_start),
  add constraint conversation_sessions_metadata_is_object check (jsonb_typeof(metadata) = 'object'),
  add constraint conversation_sessions_message_count_not_negative check (message_count >= 0);

-- The old schema allowed messages without a session or a role; such rows stop
-- the upgrade here (rolled back) rather than being guessed at.
alter table conversation_messages
  alter column id set default gen_random_uuid(),
  alter column session_id set not null,
  alter column user_id drop not null,
  alter column role set not null,
  alter column content set not null,
  alter column created_at set not null,
  alter column created_at set default now(),
  alter column metadata set not null,
  alter column metadata set default '{}',
  alter column seq set not null,
  alter column seq set default nextval('conversation_messages_seq_seq'),
  add constraint conversation_messages_session_id_fkey
    foreign key (session_id) references conversation_sessions (session_id) on delete cascade,
  add constraint conversation_messages_role_known check (role in ('user', 'assistant', 'system', 'tool')),
  add constraint conversation_messages_metadata_is_object check (jsonb_typeof(metadata) = 'object');
