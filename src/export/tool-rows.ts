import type { Message } from '../model/types.js'

/** What a tool row says about its call, from `metadata.tool` as the importers write it. */
export interface ToolInfo {
  kind: 'call' | 'result'
  callId: string | undefined
  name: string | undefined
  /** The call's arguments as the platform gave them (a JSON string or an object). */
  arguments: unknown
  isError: boolean
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

/**
 * A tool row's call or result: `metadata.tool = {kind, call_id, name,
 * arguments, is_error}` (docs/import-export.md); a row without it is a result.
 */
export function toolInfo(message: Message): ToolInfo {
  const tool = message.metadata.tool
  const described = typeof tool === 'object' && tool !== null && !Array.isArray(tool) ? (tool as Record<string, unknown>) : {}
  return {
    kind: described.kind === 'call' ? 'call' : 'result',
    callId: text(described.call_id) ?? text(message.metadata.tool_call_id),
    name: text(described.name) ?? text(message.metadata.tool_name),
    arguments: described.arguments,
    isError: described.is_error === true,
  }
}

/** Arguments as a JSON string (OpenAI's `function.arguments`). */
export function argumentsText(value: unknown): string {
  if (value === undefined) return '{}'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Arguments as a value (the AI SDK's `input`): a JSON string parsed when it parses. */
export function argumentsValue(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {}
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

function sourceOf(message: Message): Record<string, unknown> {
  const source = message.metadata.source
  return typeof source === 'object' && source !== null && !Array.isArray(source) ? (source as Record<string, unknown>) : {}
}

/** The key of the provider item an imported row came from (`metadata.source.item`): the rows of one item share it. */
export function sourceItem(message: Message): string | undefined {
  return text(sourceOf(message).item)
}

/** The platform's own role of an imported row (`metadata.source.role`), e.g. `developer` for a `system` row. */
export function sourceRole(message: Message): string | undefined {
  return text(sourceOf(message).role)
}
