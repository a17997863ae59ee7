import type { Message } from '../../src/client/index.js'
import type { ParleyClient } from './api.js'

/** Every message of a session, in conversation order, in pages of 1,000. */
export async function allMessages(client: ParleyClient, sessionId: string): Promise<Message[]> {
  const messages: Message[] = []
  for await (const page of client.listMessages(sessionId, { limit: 1000 })) messages.push(...page)
  return messages
}

/** `known` plus `arrived`, once each, in `seq` order. */
export function mergeMessages(known: Message[], arrived: Message[]): Message[] {
  const byId = new Map(known.map((message) => [message.id, message]))
  for (const message of arrived) byId.set(message.id, message)
  return [...byId.values()].sort((a, b) => a.seq - b.seq)
}
