// The ceiling: COPY of the same rows over two connections at once (both cores
// busy), each sending 5,000-row COPYs one after another.
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import pg from 'pg'
import copyStreams from 'pg-copy-streams'
import { runMethod, timed } from '../lib/child.js'
import { insertSessions, messageAt } from '../lib/rows.js'

const CONNECTIONS = 2
const ROWS_PER_COPY = 5000

/** COPY text format: tab-separated, \N for null (the rows hold no tab or backslash). */
function copyText(first, sessions) {
  const lines = []
  for (let index = first; index < first + ROWS_PER_COPY; index++) {
    const session = sessions[index % sessions.length]
    const message = messageAt(index)
    lines.push(
      [session.sessionId, session.userId, message.role, message.content, message.audioUrl ?? '\\N', JSON.stringify(message.metadata)].join('\t'),
    )
  }
  return `${lines.join('\n')}\n`
}

runMethod(async ({ databaseUrl, seconds }) => {
  const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: databaseUrl }))
  await Promise.all(clients.map((client) => client.connect()))
  const sessions = await insertSessions((sql, params) => clients[0].query(sql, params), 100)
  // The text is made before the clock starts; COPYs reuse it.
  const bodies = clients.map((_, part) => copyText(part * ROWS_PER_COPY, sessions))
  const result = await timed(seconds, async (running) => {
    let rows = 0
    await Promise.all(
      clients.map(async (client, part) => {
        while (running()) {
          await pipeline(
            Readable.from([bodies[part]]),
            client.query(copyStreams.from('copy conversation_messages (session_id, user_id, role, content, audio_url, metadata) from stdin')),
          )
          rows += ROWS_PER_COPY
        }
      }),
    )
    return rows
  })
  await Promise.all(clients.map((client) => client.end()))
  return result
})
