import type { Queryable } from '../db/database.js'
import type { Message, SearchOptions, SearchPage, SnippetSegment } from '../model/types.js'
import { validateSearch } from '../model/validate.js'
import { searchMessages as searchMessagesQuery } from '../queries/search.sql.js'
import { decodeCursor, encodeCursor } from './cursor.js'

// Private-use characters mark the matches in ts_headline's output, so the
// browser gets segments to render as text and never HTML from the server.
// One passage (no fragments): a short message comes back whole.
const HIT_START = '\uE000'
const HIT_STOP = '\uE001'
const HEADLINE_OPTIONS = `StartSel=${HIT_START}, StopSel=${HIT_STOP}, MaxWords=35, MinWords=15`

/** Messages whose content matches `q` (websearch syntax), newest first, each with a highlighted snippet. */
export async function searchMessages(database: Queryable, options: SearchOptions): Promise<SearchPage> {
  const { q, userId, role, from, to, limit, cursor } = validateSearch(options)
  const [afterCreated, afterId] = cursor === null ? [null, null] : decodeCursor(cursor)
  const { rows } = await database.query<Message & { headline: string; cursorCreated: string }>(searchMessagesQuery, [
    q,
    userId,
    role,
    from?.toISOString() ?? null,
    to?.toISOString() ?? null,
    afterCreated,
    afterId,
    limit + 1,
    HIT_START,
    HIT_STOP,
    HEADLINE_OPTIONS,
  ])
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    hits: page.map(({ headline, cursorCreated: _, ...message }) => ({
      message,
      sessionId: message.sessionId,
      snippet: snippetSegments(headline),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorCreated, last.id) : null,
  }
}

/** ts_headline's output, split at the sentinels into plain and matched runs. */
export function snippetSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = []
  const add = (text: string, match: boolean) => {
    if (text !== '') segments.push({ text, match })
  }
  headline.split(HIT_START).forEach((piece, index) => {
    const stop = piece.indexOf(HIT_STOP)
    if (index === 0 || stop === -1) return add(piece, index > 0)
    add(piece.slice(0, stop), true)
    add(piece.slice(stop + HIT_STOP.length), false)
  })
  return segments
}
