import type { ImportAdapter, Platform } from '../types.js'
import { elevenlabs } from './elevenlabs.js'
import { livekit } from './livekit.js'
import { openaiChat } from './openai-chat.js'
import { openaiRealtime } from './openai-realtime.js'
import { parley } from './parley.js'
import { retell } from './retell.js'
import { vapi } from './vapi.js'
import { vercelUi } from './vercel-ui.js'

export { elevenlabs, livekit, openaiChat, openaiRealtime, parley, retell, vapi, vercelUi }

/** Every importer, by the name `parley import --from` takes. */
export const adapters: Record<Platform, ImportAdapter> = {
  vapi,
  retell,
  elevenlabs,
  livekit,
  'openai-realtime': openaiRealtime,
  'openai-chat': openaiChat,
  'vercel-ui': vercelUi,
  parley,
}
