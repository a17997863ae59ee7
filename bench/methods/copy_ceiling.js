// The ceiling: COPY of the same rows over two connections at once (both cores
// busy), each sending 5,000-row COPYs one after another, over 100 sessions
// (50 rows of each session per COPY).
//
// With config { rowsPerCopy: 128, sessions: 256, ownSessions: true } it is
// `copy_c256_shape`, a reference: COPY of what the group commit sends at 256
// conversations, 128-row statements holding one row of each of 128 sessions,
// each connection with its own sessions.
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, messageAt } from '../lib/rows.js'

const CONNECTIONS = 2

/** COPY text format: tab-separated, \N for null (the rows hold no tab or backslash). */
function copyText(first, rows, sessions) {
  const lines = []
  for (let index = first; index < first + rows; index++) {
    const session = sessions[index % sessions.length]
    const message = messageAt(index)
    lines.push(
      [session.sessionId, session.userId, message.role, message.content, message.audioUrl ?? '\\N', JSON.stringify(message.metadata)].join('\t'),
    )
  }
  return `${lines.join('\n')}\n`
}

runMethod(async ({ databaseUrl, seconds, rowsPerCopy = 5000, sessions: sessionCount = 100, ownSessions = false }) => {
  const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: databaseUrl }))
  await Promise.all(clients.map((client) => client.connect()))
  const sessions = await insertSessions((sql, params) => clients[0].query(sql, params), sessionCount)
  const share = sessionCount / CONNECTIONS
  const sessionsOf = (part) => (ownSessions ? sessions.slice(part * share, (part + 1) * share) : sessions)
  // The text is made before the clock starts; COPYs reuse it.
  const bodies = clients.map((_, part) => copyText(part * rowsPerCopy, rowsPerCopy, sessionsOf(part)))
  const result = await timed(seconds, async (running) => {
    let rows = 0
    await Promise.all(
      clients.map(async (client, part) => {
        while (running()) {
          await pipeline(
            Readable.from([bodies[part]]),
            client.query(copyStreams.from('copy conversation_messages (session_id, user_id, role, content, audio_url, metadata) from stdin')),
          )
          rows += rowsPerCopy
        }
      }),
    )
    return rows
  })
  await Promise.all(clients.map((client) => client.end()))
  return result
})
