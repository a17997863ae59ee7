-- The data lifecycle (docs/security.md): erasure with tombstones, and an
-- append-only audit log. Both live in schema `parley`, closed to PUBLIC and
-- to the API roles like everything else there.
--
-- A tombstone keeps no content and no id in the clear: the sha256 of the
-- erased session's id and of its user's id. A session whose id has a
-- tombstone cannot be created again, by any writer (Parley, an import, a
-- webhook, psql, the REST API): the trigger refuses it with SQLSTATE PX410.

create table if not exists parley.erased_sessions (
  session_hash text primary key,
  user_hash text,
  erased_at timestamptz not null default now()
);

-- A plain sequence rather than an identity column: the doctor compares column
-- defaults, and its fix SQL can recreate this one.
create sequence if not exists parley.audit_log_id_seq as bigint;

create table if not exists parley.audit_log (
  id bigint primary key default nextval('parley.audit_log_id_seq'),
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  target text,
  details jsonb not null default '{}',
  constraint audit_log_action_known check (action in ('key.created', 'key.revoked', 'user.erased', 'sessions.pruned', 'export.bulk')),
  constraint audit_log_details_is_object check (jsonb_typeof(details) = 'object')
);

alter sequence parley.audit_log_id_seq owned by parley.audit_log.id;

create index if not exists audit_log_at on parley.audit_log (at);

-- Append-only: rows are written and read, never changed (the owner included,
-- short of dropping the trigger, which the doctor would report).
create or replace function parley.audit_log_append_only() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  raise exception 'the audit log is append-only' using errcode = 'PX403';
end
$$;

create trigger audit_log_append_only
  before update or delete on parley.audit_log
  for each row execute function parley.audit_log_append_only();

create or replace function parley.refuse_erased_session() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (
    select 1 from parley.erased_sessions
    where session_hash = encode(pg_catalog.sha256(pg_catalog.convert_to(new.session_id::text, 'UTF8')), 'hex')
  ) then
    raise exception 'session % was erased; it cannot be written again', new.session_id using errcode = 'PX410';
  end if;
  return new;
end
$$;

-- After the before-write trigger has made session_id and id one value.
create trigger parley_session_refuse_erased
  before insert on public.conversation_sessions
  for each row execute function parley.refuse_erased_session();

revoke all on table parley.erased_sessions, parley.audit_log from public;
revoke all on sequence parley.audit_log_id_seq from public;
revoke all on function parley.audit_log_append_only(), parley.refuse_erased_session() from public;
do $$
declare
  api_role text;
begin
  for api_role in select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') loop
    execute format('revoke all on table parley.erased_sessions, parley.audit_log from %I', api_role);
    execute format('revoke all on all sequences in schema parley from %I', api_role);
    execute format('revoke all on function parley.audit_log_append_only(), parley.refuse_erased_session() from %I', api_role);
  end loop;
end
$$;
