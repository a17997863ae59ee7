import { createHash } from 'node:crypto'

/** One file of `migrations/`, as compiled into `generated.ts`. */
export interface MigrationSource {
  version: number
  name: string
  sql: string
}

/**
 * sha256 of a migration with line endings and trailing blanks normalised, so
 * a checkout with CRLF endings does not look like an edited migration.
 */
export function migrationChecksum(sql: string): string {
  const normalised = sql
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim()
  return createHash('sha256').update(normalised).digest('hex')
}
