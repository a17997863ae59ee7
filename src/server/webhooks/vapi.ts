// Vapi server messages (`{"message": {"type", "call", …}}`): what each asks of Parley.
import { createHash } from 'node:crypto'
import { importedMessageId } from '../../import/ids.js'
import { LIVE_TURN } from '../../tracker/converge.js'
import { objectAt, parseWith, stringAt, timeAt, type WebhookAction } from './actions.js'

/** The end-of-call report is Vapi's last word on a call. */
export const VAPI_REPORT_STAGE = 2

/** Reads one verified Vapi delivery. */
export function vapiAction(payload: unknown): WebhookAction {
  const message = objectAt(objectAt(payload, 'body').message, 'message')
  const type = stringAt(message.type, 'message.type')
  const callId = () => stringAt(objectAt(message.call, 'message.call').id, 'message.call.id')
  const at = () => (message.timestamp === undefined ? new Date() : timeAt(message.timestamp, 'message.timestamp'))

  if (type === 'end-of-call-report') {
    return { kind: 'converge', callId: callId(), imported: parseWith('vapi', payload), stage: VAPI_REPORT_STAGE }
  }
  if (type === 'conversation-update') {
    if (!Array.isArray(message.messages)) return { kind: 'ignore', reason: 'a conversation-update without messages' }
    const call = objectAt(message.call, 'message.call')
    // The list so far, read as a report would list it: the same ids, so the report finds these turns stored.
    const report = { message: { type: 'end-of-call-report', call: { id: callId() }, ...(call.startedAt !== undefined && { startedAt: call.startedAt }), messages: message.messages } }
    return { kind: 'converge', callId: callId(), imported: parseWith('vapi', report), stage: null }
  }
  if (type === 'transcript' || type.startsWith('transcript[')) {
    const kind = message.transcriptType ?? (type.includes('final') ? 'final' : undefined)
    if (kind !== 'final') return { kind: 'ignore', reason: 'a partial transcript: its final becomes the turn' }
    const role = stringAt(message.role, 'message.role')
    if (role !== 'user' && role !== 'assistant') return { kind: 'ignore', reason: `a transcript of role ${role}` }
    const transcript = stringAt(message.transcript, 'message.transcript')
    const createdAt = at()
    const id = callId()
    // Nothing in a transcript message names its place in the call; its words and time name the delivery.
    const key = `live/${role}/${createdAt.getTime()}/${createHash('sha256').update(transcript).digest('hex').slice(0, 16)}`
    return {
      kind: 'turn',
      callId: id,
      startedAt: startOf(message, createdAt),
      message: {
        id: importedMessageId('vapi', id, key),
        role,
        content: transcript,
        audioUrl: null,
        metadata: { live: LIVE_TURN, source: { platform: 'vapi', role: role === 'assistant' ? 'bot' : 'user', item: key, raw: {} } },
        createdAt,
        pointer: '/message',
      },
    }
  }
  if (type === 'status-update') {
    const status = stringAt(message.status, 'message.status')
    if (status === 'in-progress') return { kind: 'open', callId: callId(), startedAt: startOf(message, at()) }
    if (status === 'ended') {
      const reason = typeof message.endedReason === 'string' ? message.endedReason : null
      return { kind: 'end', callId: callId(), reason }
    }
    return { kind: 'ignore', reason: `status ${status}` }
  }
  return { kind: 'ignore', reason: `Vapi sends ${type}; Parley tracks end-of-call-report, conversation-update, transcript and status-update` }
}

function startOf(message: Record<string, unknown>, fallback: Date): Date {
  const call = message.call as Record<string, unknown>
  return call.startedAt === undefined || call.startedAt === null ? fallback : timeAt(call.startedAt, 'message.call.startedAt')
}
