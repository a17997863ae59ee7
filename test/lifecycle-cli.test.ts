// parley erase, prune and audit, through the function the CLI calls, on each backend.
import { expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { parseAge } from '../src/cli/commands/lifecycle.js'
import { retentionFrom } from '../src/cli/commands/serve.js'
import { createTracker } from '../src/tracker/tracker.js'
import { describeEachBackend } from './support/backends.js'
import { captureContext } from './support/cli.js'

describeEachBackend('parley erase, prune and audit', (backend) => {
  it('erases a user, prunes old ended sessions, and the audit log shows both', async () => {
    const url = await backend.freshUrl()
    const migrate = captureContext()
    expect(await main(['--database-url', url, 'migrate'], migrate), migrate.err()).toBe(0)
    const tracker = await createTracker({ database: url })
    const user = '0195a0b0-0000-7000-8000-0000000000e1'
    const erased = await tracker.startSession({ userId: user })
    await tracker.addMessage({ sessionId: erased.sessionId, role: 'user', content: 'my card is 4242' })
    const old = await tracker.startSession()
    await tracker.endSession(old.sessionId)
    const longAgo = new Date(Date.now() - 400 * 86_400_000).toISOString()
    await tracker.database.query('update conversation_sessions set session_start = $2, session_end = $2 where session_id = $1', [old.sessionId, longAgo])
    const kept = await tracker.startSession()
    await tracker.close()

    const run = async (...args: string[]) => {
      const context = captureContext()
      const code = await main(['--database-url', url, ...args], context)
      return { code, out: context.out(), err: context.err() }
    }
    expect(await run('erase', '--user-id', 'someone')).toMatchObject({ code: 2, err: expect.stringContaining('--user-id') })
    const erase = await run('erase', '--user-id', user, '--json')
    expect(erase.code, erase.err).toBe(0)
    expect(JSON.parse(erase.out)).toEqual({ user_id: user, sessions: 1, messages: 1 })

    const dry = await run('prune', '--older-than', '90d', '--dry-run', '--json')
    expect(JSON.parse(dry.out)).toMatchObject({ sessions: 1, dry_run: true })
    const prune = await run('prune', '--older-than', '90d')
    expect(prune.out).toMatch(/^Removed 1 sessions and 0 messages that ended before /)
    expect(await run('prune')).toMatchObject({ code: 2, err: expect.stringContaining('--older-than') })

    const audit = await run('audit', '--json')
    expect(audit.code, audit.err).toBe(0)
    const entries = audit.out.trim().split('\n').map((line) => JSON.parse(line) as { action: string; actor: string; target: string })
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['user.erased', 'sessions.pruned']))
    expect(entries.every((entry) => entry.actor === 'cli')).toBe(true)
    expect(audit.out).not.toContain('4242')

    const after = await createTracker({ database: url })
    expect((await after.listSessions()).sessions.map((session) => session.sessionId)).toEqual([kept.sessionId])
    await after.close()
  })
})

it('reads ages and retention days, refusing what is not one', () => {
  expect(parseAge('90d', '--older-than')).toBe(90)
  expect(parseAge('36h', '--older-than')).toBe(1.5)
  expect(parseAge('7', '--older-than')).toBe(7)
  expect(() => parseAge('soon', '--older-than')).toThrow(/--older-than/)
  expect(retentionFrom(undefined)).toEqual({})
  expect(retentionFrom('30')).toEqual({ retentionDays: 30 })
  expect(() => retentionFrom('0')).toThrow(/retention-days/)
  expect(() => retentionFrom('a month')).toThrow(/retention-days/)
})
