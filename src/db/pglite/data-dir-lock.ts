import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { UnavailableError } from '../../model/errors.js'

/** The file that marks a PGlite data folder as in use, like PostgreSQL's postmaster.pid. */
export const LOCK_FILE = 'parley.lock'

/**
 * Takes the data folder for this process, or throws at once if a live process
 * holds it. PGlite itself does not guard against two processes writing one
 * folder, which corrupts it. A lock left by a dead process is taken over,
 * also when a live process now has its pid (PID 1 in every container, pids
 * reused after a reboot or wrap-around): the lock records the holder's start
 * time as well, and a process with the same pid but another start time is
 * not the holder. Returns the function that releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  // Written aside and linked into place, so no one ever reads a half-written lock.
  const draft = `${path}.${process.pid}`
  const started = startTimeOf(process.pid)
  writeFileSync(draft, started === undefined ? String(process.pid) : `${process.pid} ${started}`)
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
    const { pid: holder, started } = readHolder(path)
    if (holder !== undefined && isAlive(holder) && !startedOtherwise(holder, started)) {
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

// `<pid> <start time>`; a lock written where /proc is missing (or by an older Parley) holds the pid alone.
function readHolder(path: string): { pid: number | undefined; started: string | undefined } {
  try {
    const [pidText, started] = readFileSync(path, 'utf8').trim().split(/\s+/)
    const pid = Number.parseInt(pidText ?? '', 10)
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, started }
  } catch {
    return { pid: undefined, started: undefined }
  }
}

/** The live process with this pid started at another time than the lock's holder: it is someone else. */
function startedOtherwise(pid: number, recorded: string | undefined): boolean {
  if (recorded === undefined) return false
  const now = startTimeOf(pid)
  return now !== undefined && now !== recorded
}

/**
 * When the process started, in clock ticks since boot: field 22 of
 * /proc/<pid>/stat (Linux). Undefined where there is no /proc; the pid then
 * decides alone.
 */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const started = fields[22 - 3]
    return started && /^\d+$/.test(started) ? started : undefined
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
