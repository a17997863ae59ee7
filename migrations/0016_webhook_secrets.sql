-- Webhook signing secrets managed by `parley webhooks add|list|revoke`
-- (docs/security.md#webhook-signing-secrets). Verifying an HMAC needs the
-- secret itself, so it cannot be kept as a hash: it is sealed with AES-256-GCM
-- under a key derived from PARLEY_SECRET_KEY, which never reaches the
-- database. `sealed_secret` is `v1.<nonce>.<ciphertext>.<tag>` (base64url);
-- its associated data is the row's id and platform, so a sealed secret copied
-- into another row or relabelled for another platform does not open. The id
-- is chosen by Parley before sealing, hence no default. `key_id` tells which
-- key sealed the row (a fingerprint of the key, not the key).
--
-- Several rows of a platform may be active at once (rotation). Revoked rows
-- stay, for the list and the audit log.

create table if not exists parley.webhook_secrets (
  id uuid primary key,
  platform text not null,
  name text,
  sealed_secret text not null,
  key_id text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  constraint webhook_secrets_platform_known check (platform in ('vapi', 'retell', 'elevenlabs')),
  constraint webhook_secrets_sealed_v1 check (sealed_secret ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
  constraint webhook_secrets_name_length check (char_length(name) <= 200)
);

-- What every server reads about twice a second while webhooks arrive.
create index if not exists webhook_secrets_active on parley.webhook_secrets (platform) where revoked_at is null;

-- No policy: only the owner (Parley) and roles that bypass RLS see rows; the
-- grants below keep the API roles out altogether.
alter table parley.webhook_secrets enable row level security;

alter table parley.audit_log drop constraint audit_log_action_known;
alter table parley.audit_log add constraint audit_log_action_known check (action in (
  'key.created', 'key.revoked', 'user.erased', 'sessions.pruned', 'export.bulk',
  'webhook_secret.added', 'webhook_secret.revoked'));

revoke all on table parley.webhook_secrets from public;
do $$
declare
  api_role text;
begin
  for api_role in select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') loop
    execute format('revoke all on table parley.webhook_secrets from %I', api_role);
  end loop;
end
$$;
