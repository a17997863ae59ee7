import { readFileSync } from 'node:fs'
import pino, { type Logger as PinoLogger } from 'pino'
import pretty from 'pino-pretty'
import type { Database } from '../db/database.js'
import { DEFAULT_DATABASE_URL, openDatabase, type OpenDatabaseOptions } from '../db/open-database.js'

/** What a command needs from the outside world; tests pass their own. */
export interface CliContext {
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

export const processContext: CliContext = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
}

/** This package's version, for `parley --version`. */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** Where the database is: the URL for everything, and the session-capable one for LISTEN and migrations. */
export interface Connection {
  databaseUrl: string
  directUrl?: string
}

/**
 * The CLI's one reader of the database settings: `--database-url` >
 * `DATABASE_URL` > the embedded default, and `--direct-url` > `DIRECT_URL`.
 */
export function readConnection(flags: { databaseUrl?: string; directUrl?: string }, context: CliContext): Connection {
  const directUrl = flags.directUrl ?? (context.env.DIRECT_URL || undefined)
  return {
    databaseUrl: flags.databaseUrl ?? (context.env.DATABASE_URL || DEFAULT_DATABASE_URL),
    ...(directUrl !== undefined && { directUrl }),
  }
}

/** `✅ Started session …` lines on a terminal, JSON lines otherwise (the way pino is meant to be read). */
export function createCliLogger(context: CliContext, stream: 'stdout' | 'stderr' = 'stdout'): PinoLogger {
  const destination = context[stream]
  if (destination.isTTY) {
    return pino(
      pretty({
        destination: destination as NodeJS.WritableStream & { fd?: number },
        sync: true,
        colorize: true,
        hideObject: true,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    )
  }
  return pino({ base: undefined }, destination)
}

/**
 * Runs a command's work on the database at `url`, closing it afterwards
 * whatever happens. Commands that only read pass `mustExist`: an embedded
 * folder that holds no database is an error, not a new database.
 */
export async function withDatabase<T>(url: string, work: (database: Database) => Promise<T>, options: OpenDatabaseOptions = {}): Promise<T> {
  const database = await openDatabase(url, options)
  try {
    return await work(database)
  } finally {
    await database.close()
  }
}
