// A conversation as it reads: user and assistant on opposite sides, system and
// tool turns set apart and folded, each turn with its offset from the start,
// its audio, its metadata on demand and a link to it.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Message } from '../../../src/client/index.js'
import { formatOffset } from '../format.js'
import { playbackError } from './playback-error.js'
import { href } from '../route.js'
import { VirtualList } from './VirtualList.js'

/** Seconds from the session's start: `metadata.start_s` when the importer kept it, else the commit time. */
export function turnOffset(message: Message, startedAt: Date): number {
  const start = message.metadata.start_s
  if (typeof start === 'number' && Number.isFinite(start)) return start
  return (new Date(message.createdAt).getTime() - new Date(startedAt).getTime()) / 1000
}

export interface TranscriptProps {
  sessionId: string
  startedAt: Date
  messages: Message[]
  /** The turn the URL points at: scrolled to and marked. */
  focusId?: string | null
  /** Keep the newest turn in view as turns arrive (the live view). */
  follow?: boolean
  label: string
}

export function Transcript({ sessionId, startedAt, messages, focusId, follow, label }: TranscriptProps) {
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set())
  const [copied, setCopied] = useState<string | null>(null)
  const audioTurns = messages.map((message, index) => (message.audioUrl ? index : -1)).filter((index) => index >= 0)
  const [playing, setPlaying] = useState<number | null>(null)
  const [onThrough, setOnThrough] = useState(false)
  const [failed, setFailed] = useState<string | null>(null)
  const player = useRef<HTMLAudioElement>(null)

  const toggle = (key: string) =>
    setExpanded((previous) => {
      const next = new Set(previous)
      if (!next.delete(key)) next.add(key)
      return next
    })

  const play = (index: number) => {
    setPlaying(index)
    setFailed(null)
    const audio = player.current
    if (!audio) return
    audio.src = messages[index]!.audioUrl!
    audio.play().catch(() => {})
  }

  const onEnded = () => {
    if (!onThrough || playing === null) return
    const next = audioTurns.find((index) => index > playing)
    if (next !== undefined) play(next)
  }

  const copyLink = async (message: Message) => {
    const link = `${location.origin}${location.pathname}${href(['sessions', sessionId], { turn: message.id })}`
    try {
      await navigator.clipboard.writeText(link)
      setCopied(message.id)
    } catch {
      // No clipboard (plain http, permissions): show the link to copy by hand.
      prompt('Copy this link to the turn:', link)
    }
  }

  const focusIndex = focusId ? messages.findIndex((message) => message.id === focusId) : -1
  const scrollToIndex = follow ? messages.length - 1 : (playing ?? (focusIndex >= 0 ? focusIndex : null))

  useEffect(() => {
    if (copied === null) return
    const timer = setTimeout(() => setCopied(null), 2000)
    return () => clearTimeout(timer)
  }, [copied])

  const renderTurn = (index: number) => {
    const message = messages[index]!
    const side = message.role === 'user' ? 'left' : message.role === 'assistant' ? 'right' : 'aside'
    const folded = side === 'aside' && !expanded.has(message.id)
    const metaOpen = expanded.has(`meta:${message.id}`)
    const hasMeta = Object.keys(message.metadata).length > 0
    return (
      <article
        id={`turn-${message.id}`}
        class={`turn ${side} ${message.role}${index === focusIndex ? ' focused' : ''}${index === playing ? ' playing' : ''}`}
        aria-label={`${message.role} at ${formatOffset(turnOffset(message, startedAt))}`}
        data-message-id={message.id}
      >
        <header>
          <span class="role">{message.role}</span>
          <time class="offset" title="time from the start of the session">{formatOffset(turnOffset(message, startedAt))}</time>
          {side === 'aside' && (
            <button type="button" class="quiet" aria-expanded={!folded} onClick={() => toggle(message.id)}>
              {folded ? 'Show' : 'Hide'}
            </button>
          )}
        </header>
        {folded ? <p class="content folded">{message.content.slice(0, 80)}{message.content.length > 80 ? '…' : ''}</p> : <p class="content">{message.content}</p>}
        <footer>
          {message.audioUrl && (
            <button type="button" class="quiet play" onClick={() => play(index)} aria-label={`Play the audio of this ${message.role} turn`}>
              ▶ Play
            </button>
          )}
          {hasMeta && (
            <button type="button" class="quiet" aria-expanded={metaOpen} onClick={() => toggle(`meta:${message.id}`)}>
              Metadata
            </button>
          )}
          <button type="button" class="quiet" onClick={() => copyLink(message)} aria-label="Copy a link to this turn">
            {copied === message.id ? 'Link copied' : 'Copy link'}
          </button>
        </footer>
        {hasMeta && metaOpen && <pre class="metadata">{JSON.stringify(message.metadata, null, 2)}</pre>}
      </article>
    )
  }

  return (
    <div class="transcript-wrap">
      {audioTurns.length > 0 && (
        <div class="player" role="region" aria-label="Audio player">
          <audio
            ref={player}
            controls
            preload="none"
            onEnded={onEnded}
            onError={(event) => setFailed(playbackError(event.currentTarget as HTMLAudioElement))}
            aria-label="Turn audio"
            data-testid="turn-audio"
          />
          <span class="muted">{playing !== null ? `${messages[playing]!.role} turn at ${formatOffset(turnOffset(messages[playing]!, startedAt))}` : `${audioTurns.length} turns with audio`}</span>
          <button type="button" onClick={() => play(audioTurns.find((index) => index >= (playing ?? 0)) ?? audioTurns[0]!)}>Play</button>
          <label class="inline">
            <input type="checkbox" checked={onThrough} onChange={(event) => setOnThrough((event.currentTarget as HTMLInputElement).checked)} />
            Play on through
          </label>
          {failed && <p class="error" role="alert" data-testid="audio-error">{failed}</p>}
        </div>
      )}
      <VirtualList
        class="transcript"
        label={label}
        role="log"
        count={messages.length}
        estimate={96}
        keyOf={(index) => messages[index]!.id}
        render={renderTurn}
        scrollToIndex={scrollToIndex}
      />
    </div>
  )
}
