import type { Message, Session } from '../tracker/types.js'

/** One session of an export and its messages in `seq` order, a page at a time (never all in memory). */
export interface SessionExport {
  session: Session
  pages: AsyncIterable<Message[]>
}

/** A streaming encoder: sessions in, text chunks out. */
export type Encoder = (sessions: AsyncIterable<SessionExport>) => AsyncGenerator<string, void, undefined>
