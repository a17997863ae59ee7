// Retell webhooks (`{"event", "call"}`): call_started opens the call, call_ended and call_analyzed finish it.
import { objectAt, parseWith, stringAt, timeAt, type WebhookAction } from './actions.js'

/** call_analyzed says more than call_ended, never less: a late call_ended changes nothing after it. */
export const RETELL_STAGES: Record<string, number> = { call_ended: 2, call_analyzed: 3 }

/** Reads one verified Retell delivery. */
export function retellAction(payload: unknown): WebhookAction {
  const body = objectAt(payload, 'body')
  const event = stringAt(body.event, 'event')
  const stage = RETELL_STAGES[event]
  if (event === 'call_started') {
    const call = objectAt(body.call, 'call')
    const callId = stringAt(call.call_id, 'call.call_id')
    const startedAt = call.start_timestamp === undefined ? new Date() : timeAt(call.start_timestamp, 'call.start_timestamp')
    return { kind: 'open', callId, startedAt }
  }
  if (stage !== undefined) {
    const call = objectAt(body.call, 'call')
    return { kind: 'converge', callId: stringAt(call.call_id, 'call.call_id'), imported: parseWith('retell', payload), stage }
  }
  return { kind: 'ignore', reason: `Retell sends ${event}; Parley tracks call_started, call_ended and call_analyzed` }
}
