import type { Message } from '../../model/types.js'
import { argumentsValue, toolInfo } from '../tool-rows.js'
import type { Encoder } from '../types.js'

type TextPart = { type: 'text'; text: string }
type ToolPart = {
  type: 'dynamic-tool'
  toolName: string
  toolCallId: string
  input: unknown
} & ({ state: 'input-available' } | { state: 'output-available'; output: unknown } | { state: 'output-error'; errorText: string })

/** A Vercel AI SDK v5 `UIMessage`. */
export interface UIMessage {
  id: string
  role: 'system' | 'user' | 'assistant'
  metadata: Record<string, unknown>
  parts: Array<TextPart | ToolPart>
}

/**
 * `UIMessage` has no tool role: a tool row is an assistant message with one
 * `dynamic-tool` part — `input-available` for the call, `output-available`
 * (or `output-error`) for its result, which repeats the call's input.
 */
function toolPart(message: Message, inputs: Map<string, unknown>): ToolPart {
  const tool = toolInfo(message)
  const toolCallId = tool.callId ?? message.id
  const toolName = tool.name ?? 'tool'
  if (tool.kind === 'call') {
    const input = argumentsValue(tool.arguments)
    inputs.set(toolCallId, input)
    return { type: 'dynamic-tool', toolName, toolCallId, input, state: 'input-available' }
  }
  const input = inputs.get(toolCallId) ?? {}
  inputs.delete(toolCallId)
  return tool.isError
    ? { type: 'dynamic-tool', toolName, toolCallId, input, state: 'output-error', errorText: message.content }
    : { type: 'dynamic-tool', toolName, toolCallId, input, state: 'output-available', output: message.content }
}

function uiMessage(message: Message, inputs: Map<string, unknown>): UIMessage {
  const metadata = { ...message.metadata, created_at: message.createdAt.toISOString() }
  if (message.role === 'tool') return { id: message.id, role: 'assistant', metadata, parts: [toolPart(message, inputs)] }
  return { id: message.id, role: message.role, metadata, parts: [{ type: 'text', text: message.content }] }
}

/** One session as a Vercel AI SDK v5 `UIMessage[]` (what `useChat` keeps and `convertToModelMessages` takes). */
export const encodeVercelUI: Encoder = async function* (sessions) {
  yield '['
  let first = true
  for await (const { pages } of sessions) {
    // Calls waiting for their result: only as many as are open at once.
    const inputs = new Map<string, unknown>()
    for await (const page of pages) {
      if (page.length === 0) continue
      yield `${first ? '' : ','}\n${page.map((message) => JSON.stringify(uiMessage(message, inputs))).join(',\n')}`
      first = false
    }
  }
  yield '\n]\n'
}
