import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ImportedSession } from '../../src/import/types.js'

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'import')

export function fixturePath(name: string): string {
  return join(FIXTURES, name)
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
