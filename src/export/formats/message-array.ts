import type { Message } from '../../model/types.js'
import type { Encoder } from '../types.js'

/** Rows in, messages of a chat format out, in order: `push` gives what a row completes, `end` what still waits. */
export interface MessageBuilder<Out> {
  push(row: Message): Out[]
  end(): Out[]
}

/**
 * An encoder of one JSON array of chat messages, streamed a page at a time:
 * each session's rows go through a fresh builder from `builderOf`.
 */
export function messageArrayEncoder<Out>(builderOf: () => MessageBuilder<Out>): Encoder {
  return async function* (sessions) {
    yield '['
    let first = true
    const write = (messages: Out[]) => {
      const text = `${first ? '' : ','}\n${messages.map((message) => JSON.stringify(message)).join(',\n')}`
      first = false
      return text
    }
    for await (const { pages } of sessions) {
      const builder = builderOf()
      for await (const page of pages) {
        const messages = page.flatMap((row) => builder.push(row))
        if (messages.length > 0) yield write(messages)
      }
      const last = builder.end()
      if (last.length > 0) yield write(last)
    }
    yield '\n]\n'
  }
}
