import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ValidationError } from '../../errors.js'
import { messageToWire } from '../../protocol/convert.js'
import { ErrorSchema, SearchPage, SearchQuery } from '../../protocol/schemas.js'
import { searchMessages } from '../../queries/search.sql.js'
import type { Tracker } from '../../tracker/tracker.js'
import type { Message } from '../../tracker/types.js'
import { readableUserId } from '../session-access.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }
const DEFAULT_LIMIT = 20
const MAX_LIMIT = 100

// Private-use characters mark the matches in ts_headline's output, so the
// browser gets segments to render as text and never HTML from the server.
// One passage (no fragments): a short message comes back whole.
const HIT_START = '\uE000'
const HIT_STOP = '\uE001'
const HEADLINE_OPTIONS = `StartSel=${HIT_START}, StopSel=${HIT_STOP}, MaxWords=35, MinWords=15`

export interface SnippetSegment {
  text: string
  match: boolean
}

/** `GET /v1/search`: messages whose content matches, newest first, with highlighted snippets. */
export function searchRoutes(tracker: Tracker) {
  return async (plugin: FastifyInstance) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>()
    app.get(
      '/search',
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Full-text search over message content, newest first; page with ?cursor=<next_cursor>',
          security: [{ bearer: [] }],
          querystring: SearchQuery,
          response: { 200: SearchPage, ...errors },
        },
      },
      async (request) => {
        const query = request.query
        if (query.q.trim() === '') throw new ValidationError('q', 'must hold the words to search for')
        const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit)
        if (limit < 1 || limit > MAX_LIMIT) throw new ValidationError('limit', `must be a whole number from 1 to ${MAX_LIMIT}`)
        const [afterCreated, afterId] = query.cursor === undefined ? [null, null] : decodeCursor(query.cursor)
        const { rows } = await tracker.database.query<Message & { headline: string; cursorCreated: string }>(searchMessages, [
          query.q,
          readableUserId(request.principal, query.user_id) ?? null,
          query.role ?? null,
          query.from ?? null,
          query.to ?? null,
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
            message: messageToWire({ ...message, seq: Number(message.seq) }),
            session_id: message.sessionId,
            snippet: snippetSegments(headline),
          })),
          next_cursor: rows.length > limit && last ? encodeCursor(last.cursorCreated, last.id) : null,
        }
      },
    )
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

function encodeCursor(created: string, id: string): string {
  return Buffer.from(JSON.stringify([created, id])).toString('base64url')
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(value) && value.length === 2) {
      const [created, id] = value as [unknown, unknown]
      if (typeof created === 'string' && !Number.isNaN(Date.parse(created)) && typeof id === 'string' && UUID.test(id)) {
        return [created, id]
      }
    }
  } catch {
    // Reported below, like any other cursor this API did not return.
  }
  throw new ValidationError('cursor', 'is not a cursor this API returned; pass next_cursor from the previous page')
}
