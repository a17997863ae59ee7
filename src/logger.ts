/** The part of a pino logger Parley calls; pass `pino()` or anything shaped like it. */
export interface Logger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
  debug(fields: object, message: string): void
  /** pino's: lets the hot path skip building lines nobody reads. */
  isLevelEnabled?(level: string): boolean
}

/** The default: says nothing. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  isLevelEnabled: () => false,
}
