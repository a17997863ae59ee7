import type { Message, Session } from '../../model/types.js'
import type { Encoder } from '../types.js'

const LABELS: Record<Message['role'], string> = { user: 'User', assistant: 'Assistant', system: 'System', tool: 'Tool' }

function header(session: Session): string {
  const user = session.userId ? ` · user ${session.userId}` : ''
  const ended = session.endedAt ? ` · ended ${session.endedAt.toISOString()}` : ''
  return `# Session ${session.sessionId}${user} · started ${session.startedAt.toISOString()}${ended}\n`
}

/** `Label: text`, further lines of the text indented under it. */
function line(message: Message): string {
  return `${LABELS[message.role]}: ${message.content.replace(/\r\n?/g, '\n').replace(/\n/g, '\n  ')}\n`
}

/** Plain text: a header line per session, then `User: …` / `Assistant: …`, a blank line between sessions. */
export const encodeTxt: Encoder = async function* (sessions) {
  let first = true
  for await (const { session, pages } of sessions) {
    yield `${first ? '' : '\n'}${header(session)}`
    first = false
    for await (const page of pages) {
      if (page.length > 0) yield page.map(line).join('')
    }
  }
}
