import type { Message } from '../../model/types.js'
import { argumentsText, sourceItem, sourceRole, toolInfo } from '../tool-rows.js'
import type { Encoder } from '../types.js'
import { messageArrayEncoder, type MessageBuilder } from './message-array.js'

/** A function call of an assistant message (`tool_calls[]`). */
export interface OpenAIToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

/** An OpenAI Chat Completions message (a `ChatCompletionMessageParam`). */
export type OpenAIChatMessage =
  | { role: 'system' | 'developer' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string }

type AssistantMessage = Extract<OpenAIChatMessage, { role: 'assistant' }>

/** Rows in, chat messages out, in order; see {@link chatMessages}. A row may wait for the tool calls that follow it. */
export type ChatMessageBuilder = MessageBuilder<OpenAIChatMessage>

/**
 * Builds the chat messages of one session, a row at a time. One assistant
 * turn is one message: an assistant row and the tool call rows after it that
 * come from the same provider item (`metadata.source.item`; for rows the
 * tracker wrote, which have none, simply the calls that follow) become one
 * `{role: 'assistant', content, tool_calls}`, `content` being `null` when the
 * turn had no text row. A result is a `tool` message; one that names no call
 * answers the oldest call still open.
 */
export function chatMessages(): ChatMessageBuilder {
  let pending: { message: AssistantMessage; item: string | undefined } | undefined
  const open: string[] = []
  const flush = (): OpenAIChatMessage[] => {
    const done = pending ? [pending.message] : []
    pending = undefined
    return done
  }
  return {
    push(row) {
      if (row.role !== 'tool') {
        const done = flush()
        if (row.role === 'assistant') {
          pending = { message: { role: 'assistant', content: row.content }, item: sourceItem(row) }
          return done
        }
        const role = row.role === 'system' && sourceRole(row) === 'developer' ? 'developer' : row.role
        return [...done, { role, content: row.content }]
      }
      const tool = toolInfo(row)
      if (tool.kind === 'call') {
        const call: OpenAIToolCall = { id: tool.callId ?? row.id, type: 'function', function: { name: tool.name ?? 'tool', arguments: argumentsText(tool.arguments) } }
        open.push(call.id)
        const item = sourceItem(row)
        if (pending && pending.item === item) {
          pending.message.tool_calls = [...(pending.message.tool_calls ?? []), call]
          return []
        }
        const done = flush()
        pending = { message: { role: 'assistant', content: null, tool_calls: [call] }, item }
        return done
      }
      const callId = tool.callId ?? open[0] ?? row.id
      const answered = open.indexOf(callId)
      if (answered >= 0) open.splice(answered, 1)
      return [...flush(), { role: 'tool', content: row.content, tool_call_id: callId }]
    },
    end: flush,
  }
}

/** One session as the `messages` array of the OpenAI Chat Completions API. */
export const encodeOpenAI: Encoder = messageArrayEncoder(chatMessages)
