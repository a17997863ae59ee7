import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { UnavailableError } from '../../model/errors.js'

/** The file that marks a PGlite data folder as in use, like PostgreSQL's postmaster.pid. */
export const LOCK_FILE = 'parley.lock'

/**
 * Takes the data folder for this process, or throws at once if a live process
 * holds it. PGlite itself does not guard against two processes writing one
 * folder, which corrupts it. A lock left by a dead process is taken over.
 * Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  // Written aside and linked into place, so no one ever reads a half-written lock.
  const draft = `${path}.${process.pid}`
  writeFileSync(draft, String(process.pid))
  try {
    return acquire(dataDir, path, draft)
  } finally {
    unlinkSync(draft)
  }
}

function acquire(dataDir: string, path: string, draft: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(draft, path)
      return () => {
        try {
          unlinkSync(path)
        } catch {
          // already gone: nothing to release
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readHolder(path)
    if (holder !== undefined && isAlive(holder)) {
      const who = holder === process.pid ? 'this process' : `process ${holder}`
      throw new UnavailableError(
        'DATABASE_LOCKED',
        `the embedded database folder ${dataDir} is already open in ${who}; stop it or use another folder (a running \`parley serve\` shares it with the CLI once it has started)`,
        { details: { dataDir, pid: holder } },
      )
    }
    try {
      unlinkSync(path)
    } catch {
      // another process took it over first; the next attempt tells
    }
  }
  throw new UnavailableError('DATABASE_LOCKED', `could not lock the embedded database folder ${dataDir}`)
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
