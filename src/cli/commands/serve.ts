import { ValidationError } from '../../errors.js'
import { serve } from '../../server/server.js'
import { createCliLogger, type CliContext } from '../cli-context.js'

export interface ServeCommandOptions {
  databaseUrl: string
  host?: string
  port?: string
  migrate?: boolean
}

/** `parley serve`: flags > env (HOST, PORT, PARLEY_AUTO_MIGRATE) > defaults. Runs until a signal stops it. */
export async function serveCommand(options: ServeCommandOptions, context: CliContext): Promise<number> {
  const portText = options.port ?? context.env.PORT ?? '8787'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new ValidationError('port', `must be a whole number from 0 to 65535; got "${portText}"`)
  }
  await serve({
    databaseUrl: options.databaseUrl,
    host: options.host ?? context.env.HOST ?? '127.0.0.1',
    port,
    migrate: options.migrate === true || context.env.PARLEY_AUTO_MIGRATE === '1',
    logger: createCliLogger(context),
    announce: (line) => context.stderr.write(`${line}\n`),
  })
  return 0
}
