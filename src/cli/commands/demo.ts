import { randomUUID } from 'node:crypto'
import { createTracker } from '../../tracker/tracker.js'
import type { AddMessageInput, Role } from '../../tracker/types.js'
import { createCliLogger, type CliContext } from '../cli-context.js'

export interface DemoOptions {
  databaseUrl: string
  /** Apply pending migrations to a PostgreSQL first (`PARLEY_AUTO_MIGRATE=1`). */
  migrate?: boolean
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
  const tracker = await createTracker({ database: options.databaseUrl, logger, ...(options.migrate ? { migrate: true } : {}) })
  try {
    const callStart = Date.now() - CALL_SECONDS * 1000
    const session = await tracker.startSession({
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
      await tracker.addMessage(message)
    }
    const ended = await tracker.endSession(session.sessionId, { reason: 'caller_hung_up' })
    context.stderr.write(
      `\nStored ${ended.messageCount} messages of session ${session.sessionId} in ${tracker.database.description}.\n`,
    )
    return 0
  } finally {
    await tracker.close()
  }
}
