// LangChain.js PostgresChatMessageHistory.addMessage, 16 sessions writing at once (its own table).
import { PostgresChatMessageHistory } from '@langchain/community/stores/message/postgres'
import { AIMessage, HumanMessage } from '@langchain/core/messages'
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { messageAt, shares } from '../lib/rows.js'
import { randomUUID } from 'node:crypto'

const SESSIONS = 16

function chatMessage(index) {
  const { role, content, metadata, audioUrl } = messageAt(index)
  const fields = { content, additional_kwargs: { ...metadata, ...(audioUrl && { audio_url: audioUrl }) } }
  return role === 'user' ? new HumanMessage(fields) : new AIMessage(fields)
}

runMethod(async ({ databaseUrl, rows }) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: SESSIONS })
  const histories = Array.from({ length: SESSIONS }, () => new PostgresChatMessageHistory({ pool, sessionId: randomUUID() }))
  // Its table is created on first use; do that before the clock starts.
  await histories[0].ensureTable()
  const messages = Array.from({ length: rows }, (_, index) => chatMessage(index))
  let next = 0
  const result = await timed(async () => {
    await Promise.all(
      shares(rows, SESSIONS).map(async (count, session) => {
        for (let turn = 0; turn < count; turn++) await histories[session].addMessage(messages[next++])
      }),
    )
    return rows
  })
  await pool.end()
  return { ...result, table: 'langchain_chat_histories' }
})
