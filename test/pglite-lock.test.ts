import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../src/db/pglite/data-dir-lock.js'
import { UnavailableError } from '../src/model/errors.js'
import { createTracker } from '../src/tracker/tracker.js'
import { runCli } from './support/cli.js'

describe('embedded data folder lock', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-lock-'))
  })
  afterAll(async () => {
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
})
