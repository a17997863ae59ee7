import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { adapters } from '../../src/import/adapters/index.js'
import { ImportError } from '../../src/import/import-error.js'
import type { ImportedSession, Platform } from '../../src/import/types.js'

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'import')

/** One documented payload per platform, in test/fixtures/import/. */
export const FIXTURES: Array<[Platform, string]> = [
  ['vapi', 'vapi-end-of-call-report.json'],
  ['retell', 'retell-call-ended.json'],
  ['elevenlabs', 'elevenlabs-conversation.json'],
  ['livekit', 'livekit-session-report.json'],
  ['openai-realtime', 'openai-realtime-events.json'],
  ['openai-chat', 'openai-chat-messages.json'],
  ['vercel-ui', 'vercel-ui-chat.json'],
  ['parley', 'parley-export.json'],
]

export function fixturePath(name: string): string {
  return join(FIXTURES_DIR, name)
}

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8'))
}

/** Sessions as they come back from the database: metadata through JSON, dates as dates. */
export function throughJson(sessions: ImportedSession[]): ImportedSession[] {
  return (JSON.parse(JSON.stringify(sessions)) as ImportedSession[]).map((imported) => ({
    ...imported,
    session: {
      ...imported.session,
      startedAt: new Date(imported.session.startedAt),
      endedAt: imported.session.endedAt === null ? null : new Date(imported.session.endedAt),
    },
    messages: imported.messages.map((message) => ({ ...message, createdAt: new Date(message.createdAt) })),
  }))
}

/**
 * One adapter read as if from the file `path`: its parse, the first session
 * it reads, and the pointer of the ImportError it throws ('no error' when it
 * reads the payload).
 */
export function adapterUnderTest(platform: Platform, path: string) {
  const context = { path, modifiedAt: new Date('2025-02-01T09:00:00.000Z') }
  const parse = (payload: unknown) => adapters[platform].parse(payload, context)
  const pointerOf = (payload: unknown): string => {
    try {
      parse(payload)
    } catch (error) {
      if (error instanceof ImportError) return error.pointer
      throw error
    }
    return 'no error'
  }
  return { context, parse, one: (payload: unknown) => parse(payload)[0]!, pointerOf }
}
