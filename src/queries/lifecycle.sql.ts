// Erasure, retention and the audit log (migrations/0014): tombstones and
// audit rows in schema parley, closed to the API roles.
import { inParleySchema } from '../db/parley-schema.js'

const erased = inParleySchema('erased_sessions')
const auditLog = inParleySchema('audit_log')
const hash = (text: string) => /* sql */ `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`

/** Whether session `$1` was erased. */
export const isSessionErased = /* sql */ `
  select exists (select 1 from ${erased} where session_hash = ${hash('$1::text')}) as erased`

/**
 * Erases user `$1`: a tombstone per session (hashes only), then the sessions
 * (their messages go with them, by the foreign key's cascade). One row: how
 * many sessions and messages were removed.
 */
export const eraseUser = /* sql */ `
  with victims as (
    select session_id, message_count from conversation_sessions where user_id = $1::uuid for update
  ), tombstones as (
    insert into ${erased} (session_hash, user_hash)
    select ${hash('session_id::text')}, ${hash('$1::text')} from victims
    on conflict do nothing
  ), gone as (
    delete from conversation_sessions s using victims v where s.session_id = v.session_id
    returning v.message_count
  )
  select count(*)::int as sessions, coalesce(sum(message_count), 0)::int as messages from gone`

/** Messages of user `$1` left outside their sessions (written by hand into another's): removed with the user. */
export const eraseUserStrayMessages = /* sql */ `
  with gone as (delete from conversation_messages where user_id = $1::uuid returning 1)
  select count(*)::int as messages from gone`

/**
 * One bounded batch of retention: at most `$2` ended sessions that ended before
 * `$1`, skipping rows others hold, under the try-lock `$3` that only one replica
 * gets at a time (per statement: safe behind a transaction pooler).
 */
export const pruneBatch = /* sql */ `
  with lock as (select pg_try_advisory_xact_lock($3::bigint) as held),
  victims as (
    select s.session_id, s.message_count from conversation_sessions s, lock
    where lock.held and not s.is_active and s.ended_at < $1::timestamptz
    order by s.ended_at
    limit $2
    for update of s skip locked
  ), gone as (
    delete from conversation_sessions s using victims v where s.session_id = v.session_id
    returning v.message_count
  )
  select (select held from lock) as held, count(*)::int as sessions, coalesce(sum(message_count), 0)::int as messages from gone`

/** What a prune before `$1` would remove. */
export const pruneCount = /* sql */ `
  select count(*)::int as sessions, coalesce(sum(message_count), 0)::int as messages
  from conversation_sessions where not is_active and ended_at < $1::timestamptz`

export const insertAudit = /* sql */ `
  insert into ${auditLog} (actor, action, target, details) values ($1, $2, $3, $4::jsonb)`

/** Audit rows at or after `$1` (all when null), oldest first, at most `$2`, after id `$3`. */
export const listAudit = /* sql */ `
  select id::int as id, at, actor, action, target, details from ${auditLog}
  where ($1::timestamptz is null or at >= $1::timestamptz) and id > $3::bigint
  order by id limit $2`
