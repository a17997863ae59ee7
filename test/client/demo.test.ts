import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { captureContext, expectDemoEnded } from '../support/cli.js'
import { describeEachBackend } from '../support/backends.js'
import { liveServer } from './support.js'

describeEachBackend('parley demo --server', (backend) => {
  const server = liveServer(backend)

  it('plays the simulated call through the SDK against a running server', async () => {
    const context = captureContext()
    const started = Date.now()
    expect(await main(['demo', '--server', server.baseUrl, '--key', server.adminKey], context)).toBe(0)
    const playedSeconds = (Date.now() - started) / 1000
    const lines = context.out().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)
    expect(lines[0]).toMatch(/^✅ Started session [0-9a-f]{8}\.\.\. for user [0-9a-f]{8}\.\.\.$/)
    expectDemoEnded(lines.at(-1), playedSeconds)
    expect(lines).toHaveLength(10)
    const sessionId = /session ([0-9a-f-]{36})/.exec(context.err())![1]!
    const messages = await server.tracker.listMessages(sessionId)
    expect(messages).toHaveLength(8)
    expect(messages[0]).toMatchObject({ role: 'user', metadata: { turn: 1 } })
  })
})

describe('parley demo --server without a key', () => {
  it('says what is missing, exit 2', async () => {
    const context = captureContext()
    expect(await main(['demo', '--server', 'http://127.0.0.1:1'], context)).toBe(2)
    expect(context.err()).toContain('--key')
  })
})
