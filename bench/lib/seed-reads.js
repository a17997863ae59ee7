// The read benchmarks' table: 100,000 sessions and 1,000,000 messages, made by
// generate_series on the server. Sessions 0..999 hold 200 turns each (the
// transcripts read); the other 99,000 share the remaining 800,000 messages.
// 5,000 users own 20 sessions each. Triggers are off while seeding (when the
// role may do that) and the counts they keep are set afterwards in one pass;
// the secondary indexes are dropped first and built again at the end, with
// their own definitions, which is several times faster than maintaining them.
export const SEED = { sessions: 100_000, messages: 1_000_000, users: 5_000, longSessions: 1_000, longTurns: 200 }
/** `--quick` reads a fifth of it (same transcripts and users' pages, fewer rows around them). */
export const QUICK_SEED = { sessions: 20_000, messages: 200_000, users: 1_000, longSessions: 200, longTurns: 200 }

const uuidOf = (expr, tag) => `('00000000-0000-4000-${tag}-' || lpad(to_hex(${expr}), 12, '0'))::uuid`
export const sessionUuid = (n) => uuidOf(n, '8000')
export const userUuid = (n) => uuidOf(n, '9000')

export async function seedReads(client, seed = SEED) {
  const { sessions, messages, users, longSessions, longTurns } = seed
  const long = longSessions * longTurns
  const replica = await client.query('set session_replication_role = replica').then(
    () => true,
    () => false,
  )
  await client.query(`set maintenance_work_mem = '256MB'`)
  const { rows: indexes } = await client.query(`
    select i.indexname, i.indexdef from pg_indexes i
    where i.schemaname = current_schema()
      and i.tablename in ('conversation_sessions', 'conversation_messages')
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`)
  for (const { indexname } of indexes) await client.query(`drop index ${indexname}`)
  await client.query(`
    insert into conversation_sessions (id, session_id, user_id, session_start, started_at, session_end, ended_at,
      is_active, duration_seconds, metadata, topics_discussed, message_count)
    select ${sessionUuid('n')}, ${sessionUuid('n')}, ${userUuid('n % ' + users)},
      start, start, ended, ended, ended is null,
      case when ended is not null then 600 end, '{"channel":"phone"}', '{}', 0
    from generate_series(0, ${sessions - 1}) n,
      lateral (select timestamptz '2026-01-01' + n * interval '1 minute' as start) s,
      lateral (select case when n % 100 = 7 then null else start + interval '10 minutes' end as ended) e`)
  await client.query(`
    insert into conversation_messages (id, session_id, user_id, role, content, audio_url, metadata, created_at)
    select gen_random_uuid(), ${sessionUuid('s')}, ${userUuid('s % ' + users)},
      case when m % 2 = 0 then 'user' else 'assistant' end,
      rpad('turn ' || m || ': ', 200, 'Could you move my dentist appointment to Thursday afternoon? '),
      case when m % 2 = 0 then 'https://audio.example.com/calls/' || m || '.wav' end,
      jsonb_build_object('turn', m, 'lang', 'en', 'confidence', 0.93),
      timestamptz '2026-01-01' + s * interval '1 minute' + m * interval '1 millisecond'
    from generate_series(0, ${messages - 1}) m,
      lateral (select case when m < ${long} then m / ${longTurns}
                           else ${longSessions} + (m - ${long}) % ${sessions - longSessions} end as s) pick`)
  await client.query(`
    update conversation_sessions c set message_count = n.count
    from (select session_id, count(*)::int as count from conversation_messages group by session_id) n
    where c.session_id = n.session_id`)
  for (const { indexdef } of indexes) await client.query(indexdef)
  if (replica) await client.query('set session_replication_role = origin')
  await client.query('vacuum analyze conversation_sessions')
  await client.query('vacuum analyze conversation_messages')
  return { triggersOff: replica }
}
