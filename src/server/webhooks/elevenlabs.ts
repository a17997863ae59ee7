// ElevenLabs post-call webhooks (`{"type", "event_timestamp", "data"}`).
import { objectAt, parseWith, stringAt, type WebhookAction } from './actions.js'

/** The transcription is ElevenLabs' one and final word on a conversation. */
export const ELEVENLABS_STAGE = 3

/** Reads one verified ElevenLabs delivery. */
export function elevenLabsAction(payload: unknown): WebhookAction {
  const body = objectAt(payload, 'body')
  const type = stringAt(body.type, 'type')
  if (type === 'post_call_transcription') {
    const data = objectAt(body.data, 'data')
    return { kind: 'converge', callId: stringAt(data.conversation_id, 'data.conversation_id'), imported: parseWith('elevenlabs', payload), stage: ELEVENLABS_STAGE }
  }
  return { kind: 'ignore', reason: `ElevenLabs sends ${type}; Parley tracks post_call_transcription (post_call_audio carries audio, not turns)` }
}
