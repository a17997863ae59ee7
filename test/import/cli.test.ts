import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { summaryLine } from '../../src/cli/commands/import.js'
import { main } from '../../src/cli/main.js'
import { ImportError } from '../../src/import/import-error.js'
import { buildDistIfStale, captureContext, runCli } from '../support/cli.js'
import { fixture, fixturePath } from './support.js'

describe('parley import', () => {
  let dir: string
  const calls: string[] = []

  beforeAll(async () => {
    buildDistIfStale()
    dir = await mkdtemp(join(tmpdir(), 'parley-import-cli-'))
    // Six Vapi calls: the same report under six call ids.
    for (let n = 1; n <= 6; n++) {
      const report = fixture('vapi-end-of-call-report.json') as { message: { call: { id: string } } }
      report.message.call.id = `call-${n}`
      const path = join(dir, `call-${n}.json`)
      await writeFile(path, JSON.stringify(report))
      calls.push(path)
    }
  })

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('imports the good files, says one line per bad file, sums up and exits 1; again, it changes nothing', async () => {
    const url = `pglite:${join(dir, 'db')}`
    const bad = fixturePath('vapi-bad-time.json')
    const first = await runCli(['import', '--from', 'vapi', calls[0]!, bad, calls[1]!, '--database-url', url])
    expect(first.code).toBe(1)
    expect(first.stdout.trim()).toBe('imported 2 sessions, 14 messages; 1 file failed')
    const lines = first.stderr.trim().split('\n')
    expect(lines).toEqual([`parley: ${bad}: /message/artifact/messages/3/time must be a time (ISO 8601, epoch seconds or epoch milliseconds); got "yesterday"`])

    const again = await runCli(['import', '--from', 'vapi', calls[0]!, calls[1]!, '--database-url', url])
    expect(again).toMatchObject({ code: 0, stderr: '' })
    expect(again.stdout.trim()).toBe('imported 0 sessions, 0 messages (2 already imported, unchanged); 0 files failed')
  })

  it('refuses an unknown platform before opening anything, exit 2', async () => {
    const unknown = captureContext()
    expect(await main(['import', '--from', 'skype', calls[0]!, '--database-url', 'memory:'], unknown)).toBe(2)
    expect(unknown.err()).toMatch(/argument 'skype' is invalid. Allowed choices are vapi, retell, elevenlabs/)
  })

  it('without --from, detects each file\'s platform; an unknown shape gets one line naming the known ones', async () => {
    const stranger = join(dir, 'stranger.json')
    await writeFile(stranger, JSON.stringify({ hello: 'world' }))
    const retell = fixturePath('retell-call-ended.json')
    const run = captureContext()
    expect(await main(['import', calls[0]!, retell, stranger, '--database-url', 'memory:'], run)).toBe(1)
    const lines = run.err().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^parley: ${stranger}: \\(document\\) is not a payload Parley knows; pass --from, or give one of: vapi .*retell .*elevenlabs .*livekit .*parley`))
    expect(run.out().trim()).toMatch(/^imported 2 sessions, \d+ messages; 1 file failed$/)
    const forced = captureContext()
    expect(await main(['import', '--from', 'retell', calls[0]!, '--database-url', 'memory:'], forced)).toBe(1)
    expect(forced.err()).toContain('/call_id must be a string')
  })

  it('shows a progress bar on a terminal for more than five files, and not otherwise', async () => {
    const terminal = captureContext()
    Object.assign(terminal.stderr, { isTTY: true })
    expect(await main(['import', '--from', 'vapi', ...calls, '--database-url', 'memory:'], terminal)).toBe(0)
    expect(terminal.err()).toContain('importing [')
    expect(terminal.out().trim()).toBe('imported 6 sessions, 42 messages; 0 files failed')

    const fewer = captureContext()
    Object.assign(fewer.stderr, { isTTY: true })
    expect(await main(['import', '--from', 'vapi', ...calls.slice(0, 5), '--database-url', 'memory:'], fewer)).toBe(0)
    expect(fewer.err()).toBe('')

    const piped = captureContext()
    expect(await main(['import', '--from', 'vapi', ...calls, '--database-url', 'memory:'], piped)).toBe(0)
    expect(piped.err()).toBe('')
  })

  it('writes the summary with thousands separators', () => {
    const failures = [new ImportError('a.json', '/x', 'is bad'), new ImportError('b.json', '', 'is not JSON')]
    expect(summaryLine({ sessions: 1204, messages: 38511, unchanged: 0, failures })).toBe('imported 1,204 sessions, 38,511 messages; 2 files failed')
    expect(summaryLine({ sessions: 1, messages: 1, unchanged: 0, failures: [] })).toBe('imported 1 session, 1 message; 0 files failed')
  })
})

describe('parley export --format json, then parley import --from parley', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-roundtrip-'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('moves sessions between databases unchanged', async () => {
    const source = `pglite:${join(dir, 'source')}`
    const target = `pglite:${join(dir, 'target')}`
    const files = [fixturePath('retell-call-ended.json')]
    expect(await main(['import', '--from', 'retell', ...files, '--database-url', source], captureContext())).toBe(0)
    const exported = join(dir, 'export.json')
    expect(await main(['export', '--format', 'json', '--out', exported, '--database-url', source], captureContext())).toBe(0)
    const imported = captureContext()
    expect(await main(['import', '--from', 'parley', exported, '--database-url', target], imported)).toBe(0)
    expect(imported.out().trim()).toBe('imported 1 session, 8 messages; 0 files failed')
    const again = join(dir, 'again.json')
    expect(await main(['export', '--format', 'json', '--out', again, '--database-url', target], captureContext())).toBe(0)
    const { readFile } = await import('node:fs/promises')
    const withoutSeq = (text: string) => JSON.parse(text.replace(/"seq":\d+/g, '"seq":0')) as unknown
    expect(withoutSeq(await readFile(again, 'utf8'))).toEqual(withoutSeq(await readFile(exported, 'utf8')))
  })
})
