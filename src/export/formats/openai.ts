import type { Message } from '../../model/types.js'
import { argumentsText, toolInfo } from '../tool-rows.js'
import type { Encoder } from '../types.js'

/** An OpenAI Chat Completions message. */
export type OpenAIChatMessage =
  | { role: 'system' | 'user' | 'assistant'; content: string }
  | { role: 'assistant'; content: null; tool_calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> }
  | { role: 'tool'; content: string; tool_call_id?: string }

/** A tool call row is the assistant's `tool_calls`; a result row is a `tool` message answering it. */
function chatMessage(message: Message): OpenAIChatMessage {
  if (message.role !== 'tool') return { role: message.role, content: message.content }
  const tool = toolInfo(message)
  if (tool.kind === 'call') {
    const call = { id: tool.callId ?? message.id, type: 'function' as const, function: { name: tool.name ?? 'tool', arguments: argumentsText(tool.arguments) } }
    return { role: 'assistant', content: null, tool_calls: [call] }
  }
  return { role: 'tool', content: message.content, ...(tool.callId !== undefined && { tool_call_id: tool.callId }) }
}

/** One session as the `messages` array of the OpenAI Chat Completions API. */
export const encodeOpenAI: Encoder = async function* (sessions) {
  yield '['
  let first = true
  for await (const { pages } of sessions) {
    for await (const page of pages) {
      if (page.length === 0) continue
      yield `${first ? '' : ','}\n${page.map((message) => JSON.stringify(chatMessage(message))).join(',\n')}`
      first = false
    }
  }
  yield '\n]\n'
}
