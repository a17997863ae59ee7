import type { SessionExport } from '../model/types.js'

export type { SessionExport }

/** A streaming encoder: sessions in, text chunks out. */
export type Encoder = (sessions: AsyncIterable<SessionExport>) => AsyncGenerator<string, void, undefined>
