// The ceiling: COPY of the same rows over two connections at once (both cores busy).
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, messageAt, shares } from '../lib/rows.js'

const CONNECTIONS = 2

/** COPY text format: tab-separated, \N for null (the rows hold no tab or backslash). */
function copyText(first, count, sessions) {
  const lines = []
  for (let index = first; index < first + count; index++) {
    const session = sessions[index % sessions.length]
    const message = messageAt(index)
    lines.push(
      [session.sessionId, session.userId, message.role, message.content, message.audioUrl ?? '\\N', JSON.stringify(message.metadata)].join('\t'),
    )
  }
  return `${lines.join('\n')}\n`
}

runMethod(async ({ databaseUrl, rows }) => {
  const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: databaseUrl }))
  await Promise.all(clients.map((client) => client.connect()))
  const sessions = await insertSessions((sql, params) => clients[0].query(sql, params), 100)
  let first = 0
  const bodies = shares(rows, CONNECTIONS).map((count) => {
    const text = copyText(first, count, sessions)
    first += count
    return text
  })
  const result = await timed(async () => {
    await Promise.all(
      clients.map((client, part) =>
        pipeline(
          Readable.from([bodies[part]]),
          client.query(copyStreams.from('copy conversation_messages (session_id, user_id, role, content, audio_url, metadata) from stdin')),
        ),
      ),
    )
    return rows
  })
  await Promise.all(clients.map((client) => client.end()))
  return result
})
