/** The schema that holds everything of Parley's that is not a conversation table. */
export const PARLEY_SCHEMA = 'parley'

/**
 * The schema name as an SQL identifier: the one place it is interpolated
 * (migrations/0013 names it literally, being immutable SQL).
 */
export const parleySchema = `"${PARLEY_SCHEMA.replace(/"/g, '""')}"`

/** A name inside the schema, for SQL text: `"parley".api_keys`. */
export function inParleySchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`not a plain identifier: ${name}`)
  return `${parleySchema}.${name}`
}
