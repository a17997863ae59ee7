import pino, { type Logger as PinoLogger } from 'pino'
import pretty from 'pino-pretty'
import type { Database } from '../db/database.js'
import { DEFAULT_DATABASE_URL, openDatabase } from '../db/open-database.js'

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

/** `--database-url` > `DATABASE_URL` > the embedded default. */
export function databaseUrl(flag: string | undefined, context: CliContext): string {
  return flag ?? context.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
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

/** Runs a command's work on the database at `url`, closing it afterwards whatever happens. */
export async function withDatabase<T>(url: string, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(url)
  try {
    return await work(database)
  } finally {
    await database.close()
  }
}
