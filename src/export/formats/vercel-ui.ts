import type { Message } from '../../model/types.js'
import { argumentsValue, sourceItem, toolInfo } from '../tool-rows.js'
import type { Encoder } from '../types.js'
import { messageArrayEncoder, type MessageBuilder } from './message-array.js'

type TextPart = { type: 'text'; text: string }
type StepStartPart = { type: 'step-start' }
type ToolPart = {
  type: 'dynamic-tool'
  toolName: string
  toolCallId: string
  input: unknown
} & ({ state: 'input-available' } | { state: 'output-available'; output: unknown } | { state: 'output-error'; errorText: string })

/** A Vercel AI SDK `UIMessage` (v5 and v6). */
export interface UIMessage {
  id: string
  role: 'system' | 'user' | 'assistant'
  metadata: Record<string, unknown>
  parts: Array<TextPart | StepStartPart | ToolPart>
}

/** Messages held back for a call's result at most: past this, the call is written without it (`input-available`). */
export const OPEN_CALL_WINDOW = 1000

/** Rows in, UI messages out, in order; see {@link uiMessages}. Calls without a result stay `input-available` at `end`. */
export type UIMessageBuilder = MessageBuilder<UIMessage>

/**
 * Builds the UI messages of one session, a row at a time. `UIMessage` has no
 * tool role: a tool call row is a `dynamic-tool` part of an assistant
 * message, and its result row completes that same part (`output-available`
 * with `output`, or `output-error` with `errorText`) instead of becoming a
 * message, so each call appears once. Rows from one provider item
 * (`metadata.source.item`) share one message, a `step-start` before text that
 * follows a tool part; rows the tracker wrote are a message each.
 */
export function uiMessages(): UIMessageBuilder {
  const held: UIMessage[] = []
  let current: { message: UIMessage; item: string | undefined } | undefined
  // In call order, each under the id its row gave (a repeated one is written under the row's id): a result that names no call answers the oldest.
  const open: Array<{ callId: string | undefined; part: ToolPart }> = []
  const used = new Set<string>()

  const uniqueId = (callId: string | undefined, row: Message) => {
    const id = callId !== undefined && !used.has(callId) ? callId : row.id
    used.add(id)
    return id
  }
  const add = (row: Message, part: TextPart | ToolPart) => {
    const role = row.role === 'tool' ? 'assistant' : row.role
    const item = sourceItem(row)
    if (current && item !== undefined && current.item === item && current.message.role === role) {
      if (part.type === 'text' && current.message.parts.at(-1)?.type === 'dynamic-tool') current.message.parts.push({ type: 'step-start' })
      current.message.parts.push(part)
      return
    }
    if (current) held.push(current.message)
    current = { message: { id: row.id, role, metadata: { ...row.metadata, created_at: row.createdAt.toISOString() }, parts: [part] }, item }
  }
  const release = () => {
    if (open.length > 0 && held.length <= OPEN_CALL_WINDOW) return []
    open.length = 0
    return held.splice(0)
  }

  return {
    push(row) {
      if (row.role !== 'tool') {
        add(row, { type: 'text', text: row.content })
        return release()
      }
      const tool = toolInfo(row)
      const toolName = tool.name ?? 'tool'
      if (tool.kind === 'call') {
        const part: ToolPart = { type: 'dynamic-tool', toolName, toolCallId: uniqueId(tool.callId, row), input: argumentsValue(tool.arguments), state: 'input-available' }
        open.push({ callId: tool.callId, part })
        add(row, part)
        return release()
      }
      const answered = tool.callId === undefined ? (open.length > 0 ? 0 : -1) : open.findIndex((call) => call.callId === tool.callId)
      const outcome = tool.isError ? { state: 'output-error' as const, errorText: row.content } : { state: 'output-available' as const, output: row.content }
      if (answered >= 0) {
        Object.assign(open[answered]!.part, outcome)
        open.splice(answered, 1)
      } else {
        // A result whose call is not here (or was already answered) still shows, under an id of its own.
        add(row, { type: 'dynamic-tool', toolName, toolCallId: uniqueId(tool.callId, row), input: {}, ...outcome })
      }
      return release()
    },
    end() {
      if (current) held.push(current.message)
      current = undefined
      open.length = 0
      return held.splice(0)
    },
  }
}

/** One session as a Vercel AI SDK `UIMessage[]` (what `useChat` keeps and `convertToModelMessages` takes). */
export const encodeVercelUI: Encoder = messageArrayEncoder(uiMessages)
