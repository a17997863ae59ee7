import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { LOCK_FILE, lockDataDir, startTimeOf } from '../src/db/pglite/data-dir-lock.js'
import { UnavailableError } from '../src/model/errors.js'
import { createTracker } from '../src/tracker/tracker.js'
import { buildDistIfStale, runCli } from './support/cli.js'
import { firstAdminKey, serve, type Served } from './support/serve.js'

/** The server inside `unshare --fork` (PID 1 there): the host sees it as unshare's one child. */
function serverPid(served: Served): number {
  const pid = served.child.pid!
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number)
  expect(children).toHaveLength(1)
  return children[0]!
}

describe('embedded data folder lock', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-lock-'))
  })
  const servers: Served[] = []
  afterAll(async () => {
    // A failed test must not leave a server behind (unshare would wait for it for ever).
    for (const served of servers) if (served.child.exitCode === null && served.child.signalCode === null) process.kill(serverPid(served), 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses a second process at once, naming the folder, and leaves the data intact', async () => {
    const dataDir = join(dir, 'db')
    const tracker = await createTracker({ database: `pglite:${dataDir}` })
    const { sessionId } = await tracker.startSession({})
    await tracker.addMessage({ sessionId, role: 'user', content: 'still here' })
    try {
      const run = await runCli(['migrate', '--database-url', `pglite:${dataDir}`])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(dataDir)
      expect(run.stderr).toContain('already open in process')
      const inProcess = await createTracker({ database: `pglite:${dataDir}` }).catch((e) => e)
      expect(inProcess).toBeInstanceOf(UnavailableError)
      expect(inProcess.code).toBe('DATABASE_LOCKED')
      expect((await tracker.listMessages(sessionId)).map((m) => m.content)).toEqual(['still here'])
    } finally {
      await tracker.close()
    }
    const reopened = await createTracker({ database: `pglite:${dataDir}` })
    expect((await reopened.getSession(sessionId)).messageCount).toBe(1)
    await reopened.close()
  })

  it('takes over the lock of a process that died', async () => {
    const dataDir = join(dir, 'stale')
    const child = spawn(process.execPath, ['-e', ''])
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)))
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, LOCK_FILE), String(deadPid))
    const tracker = await createTracker({ database: `pglite:${dataDir}` })
    await tracker.close()
  })

  it('takes over a lock whose pid belongs to a live process that started at another time (pid reuse), and refuses the true holder', async () => {
    const { mkdir } = await import('node:fs/promises')
    const sleeper = spawn('sleep', ['60'])
    try {
      const pid = sleeper.pid!
      const started = startTimeOf(pid)
      expect(started).toMatch(/^\d+$/)
      const reused = join(dir, 'reused')
      await mkdir(reused, { recursive: true })
      await writeFile(join(reused, LOCK_FILE), `${pid} ${Number(started) - 1}`)
      const release = lockDataDir(reused)
      expect(readFileSync(join(reused, LOCK_FILE), 'utf8')).toBe(`${process.pid} ${startTimeOf(process.pid)}`)
      release()

      const held = join(dir, 'held')
      await mkdir(held, { recursive: true })
      await writeFile(join(held, LOCK_FILE), `${pid} ${started}`)
      const refused = (() => {
        try {
          lockDataDir(held)
        } catch (error) {
          return error as UnavailableError
        }
      })()
      expect(refused).toBeInstanceOf(UnavailableError)
      expect(refused?.code).toBe('DATABASE_LOCKED')
      expect(refused?.message).toContain(held)
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it('`parley serve` as PID 1 of a new PID namespace, SIGKILLed, opens its folder again the same way', async () => {
    buildDistIfStale()
    const url = `pglite:${join(dir, 'pid1')}`
    // PID 1 each time, as in a container: the stale lock names a pid that is alive (the new server itself).
    const asPid1 = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']
    const first = await serve({ name: 'pglite' }, url, {}, { wrapper: asPid1 })
    servers.push(first)
    const key = firstAdminKey(first)
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const started = await fetch(`${first.base}/v1/sessions`, { method: 'POST', headers, body: '{}' })
    expect(started.status).toBe(201)
    const sessionId = ((await started.json()) as { session_id: string }).session_id
    process.kill(serverPid(first), 'SIGKILL')
    await first.exited
    expect(readFileSync(join(dir, 'pid1', LOCK_FILE), 'utf8')).toMatch(/^1 \d+$/)

    const second = await serve({ name: 'pglite' }, url, {}, { wrapper: asPid1 })
    servers.push(second)
    try {
      const read = await fetch(`${second.base}/v1/sessions/${sessionId}`, { headers })
      expect(read.status).toBe(200)
    } finally {
      // unshare ignores SIGTERM while it waits: the server gets it.
      process.kill(serverPid(second), 'SIGTERM')
      await second.exited
    }
  }, 240_000)
})
