// Small hooks the pages share: one async load with its error, and live session events.
import { useEffect, useState } from 'preact/hooks'
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

/** Subscribes to each session in `sessionIds` while mounted; reports whether all subscriptions stand. */
export function useLiveEvents(client: ParleyClient, sessionIds: string[], onEvent: (event: LiveEvent) => void): 'connecting' | 'live' | 'offline' {
  const [status, setStatus] = useState<'connecting' | 'live' | 'offline'>('connecting')
  const joined = sessionIds.join(',')
  useEffect(() => {
    if (sessionIds.length === 0) return
    let stopped = false
    const stops: Array<() => Promise<void>> = []
    setStatus('connecting')
    Promise.all(sessionIds.map((id) => client.subscribe(id, (event) => !stopped && onEvent(event)).then((stop) => stops.push(stop)))).then(
      () => !stopped && setStatus('live'),
      () => !stopped && setStatus('offline'),
    )
    return () => {
      stopped = true
      for (const stop of stops) stop().catch(() => {})
    }
  }, [client, joined])
  return status
}
