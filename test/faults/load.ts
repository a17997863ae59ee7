// The load: workers that add messages through the SDK, half with ids the
// caller chose and half with ids the SDK chose, and a ledger of what each call
// was told. Every message carries a marker in its content, so that a message
// stored twice under two ids is seen (`duplicated`), whoever chose them.
import WebSocket from 'ws'
import type { FetchLike, ParleyClient, WebSocketConstructor } from '../../src/client/index.js'
import { timeOrderedId } from '../../src/model/time-ordered-id.js'

/** What the SDK reported about one message. */
export type Reported = 'indeterminate' | 'not_stored' | 'unknown'

export interface Entry {
  marker: string
  sessionId: string
  role: 'user' | 'assistant'
  /** The id: chosen by the caller, or learned from the ack or from `error.messageIds`. */
  id: string | undefined
  callerChosen: boolean
  state: 'pending' | 'acked' | 'rejected'
  code?: string
  reported?: Reported
  resend?: 'acked' | 'rejected'
  ackedAt?: number
}

export class Ledger {
  readonly entries: Entry[] = []
  /** Answers the SDK got, by status (`201`, `503`, `network`, `ws 503`…), counted per attempt, retries included. */
  readonly answers = new Map<string, number>()
  #seq = 0

  constructor(readonly label: string) {}

  next(sessionId: string, callerChosen: boolean): Entry {
    const seq = this.#seq++
    const entry: Entry = {
      marker: `${this.label} #${seq}`,
      sessionId,
      role: seq % 2 === 0 ? 'user' : 'assistant',
      id: callerChosen ? timeOrderedId() : undefined,
      callerChosen,
      state: 'pending',
    }
    this.entries.push(entry)
    return entry
  }

  count(answer: string): void {
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1)
  }

  acked(entry: Entry, id: string): void {
    entry.state = 'acked'
    entry.id = id
    entry.ackedAt = Date.now()
  }

  /**
   * A rejection: `messageIds` and `outcome` when the SDK gives them (issue 15);
   * without them the outcome is unknown and only a caller-chosen id is known.
   */
  rejected(entries: Entry[], error: unknown): void {
    const { code, messageIds, outcome } = error as { code?: unknown; messageIds?: unknown; outcome?: unknown }
    const ids = Array.isArray(messageIds) ? (messageIds as string[]) : undefined
    for (const entry of entries) {
      entry.state = 'rejected'
      entry.code = typeof code === 'string' ? code : (error as Error)?.name ?? 'UNKNOWN'
      // The SDK's ids come in the order of the call; only a full list can be matched to the messages.
      if (!entry.callerChosen && ids && ids.length === entries.length) entry.id = ids[entries.indexOf(entry)]
      const concerned = ids !== undefined && entry.id !== undefined && ids.includes(entry.id)
      entry.reported = concerned && (outcome === 'indeterminate' || outcome === 'not_stored') ? outcome : 'unknown'
    }
  }
}

/** `fetch` that counts every answer (or its absence) in the ledger. */
export function countingFetch(ledger: Ledger): FetchLike {
  return async (input, init) => {
    try {
      const response = await globalThis.fetch(input, init)
      ledger.count(String(response.status))
      return response
    } catch (error) {
      ledger.count('network')
      throw error
    }
  }
}

/** The `ws` WebSocket, counting every error frame's status in the ledger (`ws 503`). */
export function countingWebSocket(ledger: Ledger): WebSocketConstructor {
  class CountingSocket extends WebSocket {
    constructor(url: string) {
      super(url)
      this.on('message', (data) => {
        const frame = parseFrame(String(data))
        if (frame?.type === 'error') ledger.count(`ws ${String(frame.status)}`)
        else if (frame?.type === 'ack' && Array.isArray(frame.messages)) ledger.count('ws ack')
      })
      this.on('close', () => ledger.count('ws closed'))
    }
  }
  return CountingSocket as unknown as WebSocketConstructor
}

function parseFrame(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

export interface LoadOptions {
  client: ParleyClient
  ledger: Ledger
  sessions: string[]
  /** Calls in flight at once (default 16). */
  workers?: number
  /** Pause of each worker between its calls (default 20 ms). */
  pauseMs?: number
}

export interface Load {
  /** Stops starting calls and waits up to `boundMs` for those in flight; resolves with how many never settled. */
  stop(boundMs: number): Promise<number>
}

/** Starts the workers, two a session by default: every seventh call is `addMessages` of three, the rest `addMessage`; even calls bring their own ids. */
export function startLoad(options: LoadOptions): Load {
  const { client, ledger, sessions } = options
  let running = true
  let calls = 0
  const inFlight = new Set<Promise<void>>()
  const one = async (sessionId: string): Promise<void> => {
    const call = calls++
    const callerChosen = call % 2 === 0
    const entries = Array.from({ length: call % 7 === 3 ? 3 : 1 }, () => ledger.next(sessionId, callerChosen))
    const inputs = entries.map((entry) => ({ sessionId, role: entry.role, content: entry.marker, ...(entry.id !== undefined && { id: entry.id }) }))
    try {
      const stored = entries.length === 1 ? [await client.addMessage(inputs[0]!)] : await client.addMessages(inputs)
      stored.forEach((message, index) => ledger.acked(entries[index]!, message.id))
    } catch (error) {
      ledger.rejected(entries, error)
    }
  }
  // Each worker keeps to one session, so that a session that cannot be written holds only its own workers.
  const worker = async (_: unknown, index: number) => {
    while (running) {
      const call = one(sessions[index % sessions.length]!)
      inFlight.add(call)
      await call
      inFlight.delete(call)
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 20))
    }
  }
  const workers = Array.from({ length: options.workers ?? 16 }, worker)
  return {
    async stop(boundMs) {
      running = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), boundMs)))
      const settled = await Promise.race([Promise.all(workers), bound])
      clearTimeout(timer)
      return settled === 'timeout' ? inFlight.size : 0
    },
  }
}
