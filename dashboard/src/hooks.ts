// Small hooks the pages share: one async load with its error, and live session events.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { LiveEvent } from '../../src/client/index.js'
import type { ParleyClient } from './api.js'
import { explain } from './format.js'

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: string } | { state: 'done'; value: T }

/** Runs `load` whenever `deps` change; a newer run wins over a slower older one. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' })
  useEffect(() => {
    let current = true
    setResult({ state: 'loading' })
    load().then(
      (value) => current && setResult({ state: 'done', value }),
      (error) => current && setResult({ state: 'error', error: explain(error) }),
    )
    return () => {
      current = false
    }
  }, deps)
  return result
}

/**
 * Follows every session the key may read (or one user's) while mounted: new
 * sessions, their turns and their ends. Reports whether the subscription stands.
 */
export function useSessionEvents(client: ParleyClient, userId: string | undefined, onEvent: (event: LiveEvent) => void): 'connecting' | 'live' | 'offline' {
  const [status, setStatus] = useState<'connecting' | 'live' | 'offline'>('connecting')
  // The latest handler (it changes with the page's filters) without subscribing again.
  const handler = useRef(onEvent)
  handler.current = onEvent
  useEffect(() => {
    let stopped = false
    let stop: (() => Promise<void>) | undefined
    setStatus('connecting')
    client.subscribeSessions((event) => !stopped && handler.current(event), userId ? { userId } : {}).then(
      (unsubscribe) => {
        stop = unsubscribe
        if (stopped) void unsubscribe().catch(() => {})
        else setStatus('live')
      },
      () => !stopped && setStatus('offline'),
    )
    return () => {
      stopped = true
      stop?.().catch(() => {})
    }
  }, [client, userId])
  return status
}
