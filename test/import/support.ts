import { readFileSync } from 'node:fs'
import { join } from 'node:path'
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
