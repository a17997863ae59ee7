// LangChain.js PostgresChatMessageHistory.addMessage, 16 sessions writing at once (its own table).
import { PostgresChatMessageHistory } from '@langchain/community/stores/message/postgres'
import { AIMessage, HumanMessage } from '@langchain/core/messages'
import pg from 'pg'
import { runMethod, timed } from '../lib/child.js'
import { messageAt } from '../lib/rows.js'
import { randomUUID } from 'node:crypto'

const SESSIONS = 16

function chatMessage(index) {
  const { role, content, metadata, audioUrl } = messageAt(index)
  const fields = { content, additional_kwargs: { ...metadata, ...(audioUrl && { audio_url: audioUrl }) } }
  return role === 'user' ? new HumanMessage(fields) : new AIMessage(fields)
}

runMethod(async ({ databaseUrl, seconds }) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: SESSIONS })
  const histories = Array.from({ length: SESSIONS }, () => new PostgresChatMessageHistory({ pool, sessionId: randomUUID() }))
  // Its table is created on first use; do that before the clock starts.
  await histories[0].ensureTable()
  const messages = Array.from({ length: 1000 }, (_, index) => chatMessage(index))
  const result = await timed(seconds, async (running) => {
    let rows = 0
    await Promise.all(
      histories.map(async (history) => {
        while (running()) await history.addMessage(messages[rows++ % messages.length])
      }),
    )
    return rows
  })
  await pool.end()
  return { ...result, table: 'langchain_chat_histories' }
})
