// Queries on conversation_messages. Columns come back camelCased, ready for `Message`.
import { inParleySchema } from '../db/parley-schema.js'

const messageColumns = /* sql */ `
  id, session_id as "sessionId", user_id as "userId", role, content,
  audio_url as "audioUrl", metadata, created_at as "createdAt", seq`

/**
 * The group commit: many callers' messages in one statement, hence one
 * transaction. `$1` is a JSON array of rows tagged with `ord` and `caller`;
 * `$2` waits for locked sessions instead of reporting them busy; see
 * migrations/0004_insert_messages_function.sql and 0015 for what comes back.
 */
export const insertMessageBatch = /* sql */ `
  select ord, caller_failed as "callerFailed", session_found as "sessionFound",
    session_active as "sessionActive", session_busy as "sessionBusy", differs, differing, stored, seq,
    created_at as "createdAt", user_id as "userId", inserted
  from ${inParleySchema('insert_messages')}($1::jsonb, $2::boolean)`

/** A session's messages in conversation order, after the message `$2` when given. */
export const listMessages = /* sql */ `
  select ${messageColumns} from conversation_messages
  where session_id = $1::uuid and seq > $2
  order by seq
  limit $3`

/** Where a message stands in its session's order, to page after it. */
export const selectMessageSeq = /* sql */ `
  select seq from conversation_messages where id = $1::uuid and session_id = $2::uuid`

/** Messages by id, in conversation order: the rows a change notification names. */
export const selectMessagesByIds = /* sql */ `
  select ${messageColumns} from conversation_messages
  where id = any($1::uuid[])
  order by seq`
