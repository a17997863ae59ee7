-- API keys for `parley serve`. Only a hash of each key is stored; the prefix
-- (shown in `parley keys list`) tells keys apart without revealing them.
create table if not exists parley_api_keys (
  id uuid primary key default gen_random_uuid(),
  prefix text not null unique,
  key_hash text not null,
  scope text not null check (scope in ('ingest', 'read', 'admin')),
  user_id uuid,
  name text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
