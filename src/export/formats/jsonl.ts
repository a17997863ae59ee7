import { messageToWire } from '../../protocol/convert.js'
import type { Encoder } from '../types.js'

/** JSON Lines: one wire message per line, sessions one after the other. */
export const encodeJsonl: Encoder = async function* (sessions) {
  for await (const { pages } of sessions) {
    for await (const page of pages) {
      if (page.length > 0) yield page.map((message) => `${JSON.stringify(messageToWire(message))}\n`).join('')
    }
  }
}
