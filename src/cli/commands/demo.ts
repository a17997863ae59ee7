import { randomUUID } from 'node:crypto'
import { ParleyClient } from '../../client/index.js'
import { endedLine, savedLine, startedLine } from '../../tracker/log-lines.js'
import { createTracker } from '../../tracker/tracker.js'
import type { AddMessageInput, EndedSession, Message, Role, Session, StartSessionInput } from '../../model/types.js'
import { createCliLogger, type CliContext } from '../cli-context.js'

export interface DemoOptions {
  databaseUrl: string
  /** Apply pending migrations to a PostgreSQL first (`PARLEY_AUTO_MIGRATE=1`). */
  migrate?: boolean
  /** Play through the client SDK against this running server instead of the embedded library. */
  server?: string
  /** The API key for `server` (ingest or admin). */
  key?: string
}

/** What the demo needs: the tracker and `ParleyClient` both have it. */
interface DemoTarget {
  startSession(input: StartSessionInput): Promise<Session>
  addMessage(input: AddMessageInput): Promise<Message>
  endSession(sessionId: string, options: { reason?: string }): Promise<EndedSession>
}

// A short voice call: [who, what was said, seconds after the call started].
const script: Array<[Role, string, number]> = [
  ['user', "Hi! What's the weather going to be like in Lisbon tomorrow?", 2.1],
  ['assistant', 'Tomorrow in Lisbon: sunny, 24 degrees, a light breeze from the west.', 4.8],
  ['user', 'Nice. Do I need a jacket in the evening?', 12.4],
  ['assistant', 'It drops to 16 degrees after sunset, so a light jacket is a good idea.', 15.0],
  ['user', 'Can you remind me to pack it at seven?', 24.3],
  ['assistant', "Done: I'll remind you at 7 pm to pack a light jacket.", 27.9],
  ['user', "Great, that's all. Thanks!", 38.6],
  ['assistant', 'You are welcome. Enjoy Lisbon!', 41.7],
]
const CALL_SECONDS = 45.2

/**
 * `parley demo`: plays a simulated voice conversation through the library,
 * as a voice server would, so its log lines show what tracking looks like.
 */
export async function demoCommand(options: DemoOptions, context: CliContext): Promise<number> {
  const logger = createCliLogger(context)
  if (options.server !== undefined) {
    if (!options.key) {
      context.stderr.write('parley demo --server needs --key KEY (or PARLEY_API_KEY): an ingest or admin key\n')
      return 2
    }
    // Each turn is awaited, as the script plays them one by one: no need to wait for company in a batch.
    const client = new ParleyClient({ baseUrl: options.server, apiKey: options.key, flushIntervalMs: 5 })
    // The server logs nothing per message to us, so the demo prints the tracker's log lines itself.
    const target: DemoTarget = {
      async startSession(input) {
        const session = await client.startSession(input)
        logger.info(startedLine(session))
        return session
      },
      async addMessage(input) {
        const message = await client.addMessage(input)
        logger.info(savedLine(message))
        return message
      },
      async endSession(sessionId, endOptions) {
        const ended = await client.endSession(sessionId, endOptions)
        logger.info(endedLine(ended))
        return ended
      },
    }
    try {
      const ended = await play(target)
      context.stderr.write(`\nStored ${ended.messageCount} messages of session ${ended.sessionId} through ${options.server}.\n`)
      return 0
    } finally {
      const report = await client.shutdown({ timeoutMs: 5000 })
      if (report.pending + report.dropped + report.failed + report.indeterminate > 0) context.stderr.write(`not delivered: ${JSON.stringify(report)}\n`)
    }
  }
  const tracker = await createTracker({ database: options.databaseUrl, logger, ...(options.migrate ? { migrate: true } : {}) })
  try {
    const ended = await play(tracker)
    context.stderr.write(
      `\nStored ${ended.messageCount} messages of session ${ended.sessionId} in ${tracker.database.description}.\n`,
    )
    return 0
  } finally {
    await tracker.close()
  }
}

/** Plays the script as a voice server would: start, one message per turn, end. */
async function play(target: DemoTarget): Promise<EndedSession> {
  const callStart = Date.now() - CALL_SECONDS * 1000
  const session = await target.startSession({
    userId: randomUUID(),
    startedAt: new Date(callStart),
    metadata: { channel: 'voice', agent: 'parley-demo', locale: 'en-US' },
  })
  for (const [turn, [role, content, at]] of script.entries()) {
    const message: AddMessageInput = {
      sessionId: session.sessionId,
      role,
      content,
      createdAt: new Date(callStart + at * 1000),
      audioUrl: `https://audio.example.com/calls/${session.sessionId}/turn-${turn + 1}.wav`,
      metadata:
        role === 'user'
          ? { asr: { provider: 'demo', confidence: 0.93 }, turn: turn + 1 }
          : { tts: { voice: 'alloy' }, latency_ms: 420 + turn * 10, turn: turn + 1 },
    }
    await target.addMessage(message)
  }
  return target.endSession(session.sessionId, { reason: 'caller_hung_up' })
}
