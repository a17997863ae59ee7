import { messageToWire, sessionToWire } from '../../protocol/convert.js'
import type { Encoder } from '../types.js'

/** The parley format: `{"format":"parley","version":1,"sessions":[{"session", "messages"}]}`, written as it is read. */
export const encodeJson: Encoder = async function* (sessions) {
  yield '{"format":"parley","version":1,"sessions":['
  let firstSession = true
  for await (const { session, pages } of sessions) {
    yield `${firstSession ? '' : ','}\n{"session":${JSON.stringify(sessionToWire(session))},"messages":[`
    firstSession = false
    let firstMessage = true
    for await (const page of pages) {
      if (page.length === 0) continue
      yield `${firstMessage ? '' : ','}\n${page.map((message) => JSON.stringify(messageToWire(message))).join(',\n')}`
      firstMessage = false
    }
    yield ']}'
  }
  yield '\n]}\n'
}
