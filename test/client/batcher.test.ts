// The SDK's write queue without a server: when a batch goes out (flushAt,
// flushIntervalMs, the request-size cap), one batch at a time per session,
// what a full queue refuses and that the room comes back once a batch is
// settled, and what close, drain and abandon do to waiting messages.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Batcher, type BatcherOptions } from '../../src/client/batcher.js'
import { ClientClosedError, NetworkError, ParleyError, QueueFullError, UnavailableError } from '../../src/model/errors.js'
import type { MessageInputWire, MessageWire } from '../../src/protocol/schemas.js'

const A = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f6'
const B = '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f7'
const ID1 = '0192f3a4-7b1c-7d2e-8f90-00000000000a'
const ID2 = '0192f3a4-7b1c-7d2e-8f90-00000000000b'

interface Call {
  sessionId: string
  messages: MessageInputWire[]
  resolve(rows?: MessageWire[]): void
  reject(error: unknown): void
}

/** A `send` that holds each batch until the test answers it. */
function server() {
  const calls: Call[] = []
  const send = (sessionId: string, messages: MessageInputWire[]) =>
    new Promise<MessageWire[]>((resolve, reject) => {
      calls.push({
        sessionId,
        messages,
        resolve: (rows) => resolve(rows ?? messages.map((message) => ({ ...message, stored: true }) as unknown as MessageWire)),
        reject,
      })
    })
  return { calls, send, contents: () => calls.map((call) => call.messages.map((message) => message.content)) }
}

const wire = (content: string, id?: string): MessageInputWire => ({ role: 'user', content, ...(id && { id }) }) as MessageInputWire
const bytes = (message: MessageInputWire) => Buffer.byteLength(JSON.stringify(message))
const settled = async <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }))

function batcher(options: Partial<BatcherOptions> = {}) {
  const fake = server()
  const queue = new Batcher({
    flushAt: 3,
    flushIntervalMs: 100,
    maxQueueMessages: 100,
    maxQueueBytes: 1_000_000,
    maxBatchBytes: 1_000_000,
    send: fake.send,
    ...options,
  })
  return { queue, ...fake }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('when a batch goes out', () => {
  it('sends as soon as flushAt messages wait, not before', () => {
    const { queue, calls, contents } = batcher()
    queue.enqueue(A, [wire('1')])
    queue.enqueue(A, [wire('2')])
    expect(calls).toHaveLength(0)
    queue.enqueue(A, [wire('3')])
    expect(contents()).toEqual([['1', '2', '3']])
    expect(calls[0]!.sessionId).toBe(A)
  })

  it('sends fewer after flushIntervalMs, counted from the first message that waits', async () => {
    const { queue, contents } = batcher()
    queue.enqueue(A, [wire('1')])
    await vi.advanceTimersByTimeAsync(60)
    queue.enqueue(A, [wire('2')])
    await vi.advanceTimersByTimeAsync(39)
    expect(contents()).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(contents()).toEqual([['1', '2']])
  })

  it('sends at most flushAt messages in one batch, the rest after it', async () => {
    const { queue, calls, contents } = batcher({ flushAt: 2 })
    const promises = queue.enqueue(A, ['1', '2', '3', '4', '5'].map((content) => wire(content)))
    expect(contents()).toEqual([['1', '2']])
    calls[0]!.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(contents()).toEqual([['1', '2'], ['3', '4']])
    calls[1]!.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(2) // one left: it waits for the interval
    await vi.advanceTimersByTimeAsync(100)
    expect(contents()).toEqual([['1', '2'], ['3', '4'], ['5']])
    calls[2]!.resolve()
    expect((await Promise.all(promises)).map((message) => message.content)).toEqual(['1', '2', '3', '4', '5'])
  })

  it('keeps a batch within maxBatchBytes, a batch of exactly that size included', async () => {
    const size = bytes(wire('a'))
    const { queue, calls, contents } = batcher({ flushAt: 10, maxBatchBytes: 2 * size })
    queue.enqueue(A, ['a', 'b', 'c', 'd', 'e'].map((content) => wire(content)))
    await vi.advanceTimersByTimeAsync(100)
    expect(contents()).toEqual([['a', 'b']])
    calls[0]!.resolve()
    await vi.advanceTimersByTimeAsync(100)
    calls[1]!.resolve()
    await vi.advanceTimersByTimeAsync(100)
    expect(contents()).toEqual([['a', 'b'], ['c', 'd'], ['e']])
  })

  it('sends a message larger than maxBatchBytes alone rather than never', async () => {
    const { queue, contents } = batcher({ maxBatchBytes: 10 })
    const [promise] = queue.enqueue(A, [wire('a much longer message than ten bytes')])
    queue.enqueue(A, [wire('b')])
    await vi.advanceTimersByTimeAsync(100)
    expect(contents()).toEqual([['a much longer message than ten bytes']])
    expect(promise).toBeInstanceOf(Promise)
  })

  it('sends one batch at a time per session, and sessions side by side', async () => {
    const { queue, calls, contents } = batcher({ flushAt: 1 })
    queue.enqueue(A, [wire('a1')])
    queue.enqueue(A, [wire('a2')])
    queue.enqueue(B, [wire('b1')])
    expect(contents()).toEqual([['a1'], ['b1']])
    expect(calls.map((call) => call.sessionId)).toEqual([A, B])
    calls[0]!.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(contents()).toEqual([['a1'], ['b1'], ['a2']])
    expect(calls[2]!.sessionId).toBe(A)
  })

  it('starts a new interval for a session whose queue emptied and filled again', async () => {
    const { queue, calls, contents } = batcher()
    const [first] = queue.enqueue(A, [wire('1')])
    await vi.advanceTimersByTimeAsync(100)
    calls[0]!.resolve()
    await first
    queue.enqueue(A, [wire('2')])
    await vi.advanceTimersByTimeAsync(99)
    expect(contents()).toEqual([['1']])
    await vi.advanceTimersByTimeAsync(1)
    expect(contents()).toEqual([['1'], ['2']])
  })
})

describe('what each caller gets back', () => {
  it('the stored row of its own id, whatever order the server answers in', async () => {
    const { queue, calls } = batcher()
    const ids = [A, B, '0192f3a4-7b1c-7d2e-8f90-a1b2c3d4e5f8']
    const promises = queue.enqueue(A, ids.map((id, index) => wire(`m${index}`, id)))
    const rows = calls[0]!.messages.map((message) => ({ id: message.id, content: `stored ${message.content}` }) as MessageWire).reverse()
    calls[0]!.resolve(rows)
    expect((await Promise.all(promises)).map((row) => [row.id, row.content])).toEqual([
      [A, 'stored m0'],
      [B, 'stored m1'],
      [ids[2], 'stored m2'],
    ])
  })

  it('the row in its place when it gave no id', async () => {
    const { queue, calls } = batcher()
    const promises = queue.enqueue(A, [wire('x'), wire('y'), wire('z')])
    calls[0]!.resolve(['r0', 'r1', 'r2'].map((id) => ({ id, content: id }) as MessageWire))
    expect((await Promise.all(promises)).map((row) => row.id)).toEqual(['r0', 'r1', 'r2'])
  })

  it('the error of its batch when the batch fails, and only its batch: same class and code, its own id, the outcome', async () => {
    const { queue, calls } = batcher({ flushAt: 2 })
    const failing = queue.enqueue(A, [wire('1', ID1), wire('2', ID2)])
    const other = queue.enqueue(B, [wire('3'), wire('4')])
    calls[0]!.reject(new UnavailableError('DATABASE_UNAVAILABLE', 'down').concerning([], 'not_stored'))
    calls[1]!.resolve()
    const errors = (await Promise.all(failing.map(settled))).map((outcome) => (outcome as { error: UnavailableError }).error)
    for (const error of errors) expect(error).toBeInstanceOf(UnavailableError)
    expect(errors.map(({ code, messageIds, outcome }) => ({ code, messageIds, outcome }))).toEqual([
      { code: 'DATABASE_UNAVAILABLE', messageIds: [ID1], outcome: 'not_stored' },
      { code: 'DATABASE_UNAVAILABLE', messageIds: [ID2], outcome: 'not_stored' },
    ])
    expect((await Promise.all(other)).map((row) => row.content)).toEqual(['3', '4'])
    expect(queue.stats()).toEqual({ delivered: 2, pending: 0, dropped: 0, failed: 2, indeterminate: 0 })
  })

  it('counts a batch whose answer was lost as indeterminate, not failed; an error that says nothing counts so too', async () => {
    const { queue, calls } = batcher({ flushAt: 1 })
    const [lost] = queue.enqueue(A, [wire('1', ID1)])
    const [unexplained, nameless] = queue.enqueue(B, [wire('2', ID2), wire('3')])
    calls[0]!.reject(new NetworkError('NETWORK_ERROR', 'socket hang up').concerning([], 'indeterminate'))
    const cause = new Error('a bug')
    calls[1]!.reject(cause)
    const first = ((await settled(lost!)) as { error: NetworkError }).error
    expect(first).toBeInstanceOf(NetworkError)
    expect(first).toMatchObject({ code: 'NETWORK_ERROR', messageIds: [ID1], outcome: 'indeterminate' })
    const second = ((await settled(unexplained!)) as { error: ParleyError }).error
    expect(second).toMatchObject({ code: 'SEND_FAILED', message: 'a bug', messageIds: [ID2], outcome: 'indeterminate', cause })
    // A message without an id (the client always gives one) names none rather than a made-up one.
    await vi.advanceTimersByTimeAsync(0)
    calls[2]!.reject(cause)
    expect(((await settled(nameless!)) as { error: ParleyError }).error.messageIds).toEqual([])
    expect(queue.stats()).toEqual({ delivered: 0, pending: 0, dropped: 0, failed: 0, indeterminate: 3 })
  })
})

describe('a bounded queue', () => {
  it('takes exactly maxQueueMessages and refuses a group that would go over, all of it', async () => {
    const dropped: number[] = []
    const { queue } = batcher({ maxQueueMessages: 3, flushAt: 10, onDropped: (count) => dropped.push(count) })
    queue.enqueue(A, [wire('1'), wire('2')])
    const refused = queue.enqueue(B, [wire('3', ID1), wire('4', ID2)])
    expect(refused).toHaveLength(2)
    const outcomes = await Promise.all(refused.map(settled))
    for (const outcome of outcomes) expect((outcome as { error: unknown }).error).toBeInstanceOf(QueueFullError)
    const error = (outcomes[0] as { error: QueueFullError }).error
    expect(error.code).toBe('QUEUE_FULL')
    expect(outcomes.map((outcome) => (outcome as { error: QueueFullError }).error)).toMatchObject([
      { messageIds: [ID1], outcome: 'not_stored' },
      { messageIds: [ID2], outcome: 'not_stored' },
    ])
    expect(error.message).toBe("the client's queue is full (2 messages, " + `${bytes(wire('1')) + bytes(wire('2'))} bytes waiting); the message was not queued`)
    expect(error.details).toMatchObject({ queued_messages: 2, dropped: 2 })
    expect(dropped).toEqual([2])
    queue.enqueue(B, [wire('3')]) // exactly full
    expect(queue.stats()).toEqual({ delivered: 0, pending: 3, dropped: 2, failed: 0, indeterminate: 0 })
    void settled(queue.enqueue(B, [wire('4')])[0]!)
    expect(queue.stats()).toEqual({ delivered: 0, pending: 3, dropped: 3, failed: 0, indeterminate: 0 })
    expect(dropped).toEqual([2, 1])
  })

  it('takes exactly maxQueueBytes and refuses a byte more', async () => {
    const one = bytes(wire('a'))
    const { queue } = batcher({ maxQueueBytes: 2 * one, flushAt: 10 })
    queue.enqueue(A, [wire('a')])
    const tooBig = await settled(queue.enqueue(A, [wire('bb')])[0]!)
    expect((tooBig as { error: QueueFullError }).error).toBeInstanceOf(QueueFullError)
    expect((tooBig as { error: QueueFullError }).error.details).toMatchObject({ queued_messages: 1, queued_bytes: one })
    queue.enqueue(A, [wire('b')])
    expect(queue.stats().pending).toBe(2)
  })

  it('gives the room back once a batch is delivered, or has failed', async () => {
    const one = bytes(wire('a'))
    const { queue, calls } = batcher({ maxQueueBytes: 2 * one, maxQueueMessages: 2, flushAt: 2 })
    const first = queue.enqueue(A, [wire('a'), wire('b')])
    calls[0]!.resolve()
    await Promise.all(first)
    const second = queue.enqueue(A, [wire('c'), wire('d')])
    expect(calls).toHaveLength(2) // accepted, so sent
    calls[1]!.reject(new UnavailableError('DATABASE_UNAVAILABLE', 'lost').concerning([], 'not_stored'))
    await Promise.all(second.map(settled))
    queue.enqueue(A, [wire('e'), wire('f')])
    expect(calls).toHaveLength(3)
    expect(queue.stats()).toEqual({ delivered: 2, pending: 2, dropped: 0, failed: 2, indeterminate: 0 })
  })

  it('still refuses a byte over maxQueueBytes after batches came and went', async () => {
    const one = bytes(wire('a'))
    const { queue, calls } = batcher({ maxQueueBytes: 2 * one, flushAt: 2 })
    for (let round = 0; round < 2; round++) {
      const sent = queue.enqueue(A, [wire('a'), wire('b')])
      calls.at(-1)!.resolve()
      await Promise.all(sent)
    }
    queue.enqueue(A, [wire('c')])
    const over = await settled(queue.enqueue(A, [wire('dd')])[0]!)
    expect((over as { error: unknown }).error).toBeInstanceOf(QueueFullError)
    expect(queue.stats()).toEqual({ delivered: 4, pending: 1, dropped: 1, failed: 0, indeterminate: 0 })
  })

  it('keeps a message in flight counted until its batch settles', async () => {
    const { queue, calls } = batcher({ maxQueueMessages: 1, flushAt: 1 })
    const [first] = queue.enqueue(A, [wire('1')])
    expect(calls).toHaveLength(1)
    expect((await settled(queue.enqueue(A, [wire('2')])[0]!)) as { error: unknown }).toMatchObject({ error: expect.any(QueueFullError) })
    calls[0]!.resolve()
    await first
    queue.enqueue(A, [wire('3')])
    expect(queue.stats()).toMatchObject({ delivered: 1, pending: 1, dropped: 1 })
  })
})

describe('drain, close and abandon', () => {
  it('drainSession sends what waits without waiting for the interval, and resolves once it is committed', async () => {
    const { queue, calls } = batcher({ flushAt: 2 })
    const promises = queue.enqueue(A, [wire('1'), wire('2'), wire('3')])
    queue.enqueue(B, [wire('b')])
    let drained = false
    const drain = queue.drainSession(A).then(() => (drained = true))
    calls[0]!.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls.map((call) => call.messages.length)).toEqual([2, 1])
    expect(drained).toBe(false)
    calls[1]!.resolve()
    await drain
    expect((await Promise.all(promises)).map((row) => row.content)).toEqual(['1', '2', '3'])
    expect(queue.stats()).toEqual({ delivered: 3, pending: 1, dropped: 0, failed: 0, indeterminate: 0 }) // B still waits for its interval
  })

  it('drainSession of a session with nothing queued resolves at once', async () => {
    const { queue } = batcher()
    await expect(queue.drainSession(A)).resolves.toBeUndefined()
  })

  it('drain sends every session and returns the figures', async () => {
    const { queue, calls } = batcher()
    queue.enqueue(A, [wire('a')])
    queue.enqueue(B, [wire('b')])
    const drain = queue.drain()
    expect(calls.map((call) => call.sessionId)).toEqual([A, B])
    for (const call of calls) call.resolve()
    expect(await drain).toEqual({ delivered: 2, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
  })

  it('after close refuses every new message with CLIENT_CLOSED, and still sends what was queued', async () => {
    const { queue, calls } = batcher()
    const [queued] = queue.enqueue(A, [wire('1')])
    queue.close()
    const refused = await Promise.all(queue.enqueue(A, [wire('2', ID1), wire('3', ID2)]).map(settled))
    expect(refused.map((outcome) => (outcome as { error: ClientClosedError }).error)).toMatchObject([
      { messageIds: [ID1], outcome: 'not_stored' },
      { messageIds: [ID2], outcome: 'not_stored' },
    ])
    for (const outcome of refused) {
      expect((outcome as { error: ClientClosedError }).error).toBeInstanceOf(ClientClosedError)
      expect((outcome as { error: ClientClosedError }).error.code).toBe('CLIENT_CLOSED')
      expect((outcome as { error: ClientClosedError }).error.message).toBe('the client was shut down; nothing more is accepted')
    }
    const drain = queue.drain()
    calls[0]!.resolve()
    expect(await drain).toEqual({ delivered: 1, pending: 0, dropped: 0, failed: 0, indeterminate: 0 })
    await expect(queued).resolves.toMatchObject({ content: '1' })
  })

  it('abandonWaiting rejects what has not been sent and sends nothing more; those stay pending', async () => {
    const { queue, calls } = batcher({ flushAt: 2 })
    const inFlight = queue.enqueue(A, [wire('1'), wire('2')])
    const waiting = queue.enqueue(A, [wire('3', ID1)])
    const other = queue.enqueue(B, [wire('4', ID2)])
    queue.abandonWaiting(new ClientClosedError('CLIENT_CLOSED', 'shut down'))
    const abandoned = (await Promise.all([...waiting, ...other].map(settled))).map((outcome) => (outcome as { error: ClientClosedError }).error)
    for (const error of abandoned) expect(error).toBeInstanceOf(ClientClosedError)
    expect(abandoned).toMatchObject([
      { code: 'CLIENT_CLOSED', messageIds: [ID1], outcome: 'not_stored' },
      { code: 'CLIENT_CLOSED', messageIds: [ID2], outcome: 'not_stored' },
    ])
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toHaveLength(1)
    calls[0]!.resolve()
    await Promise.all(inFlight)
    expect(queue.stats()).toEqual({ delivered: 2, pending: 2, dropped: 0, failed: 0, indeterminate: 0 })
  })
})
