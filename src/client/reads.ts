// The doctor's report as the SDK returns it: camelCase.
import type { SchemaReportWire } from '../protocol/schemas.js'

/** What `parley doctor --json` prints. */
export interface SchemaReport {
  ok: boolean
  problems: SchemaReportWire['problems']
  pendingMigrations: Array<{ version: number; name: string }>
}

export function schemaReportFromWire(wire: SchemaReportWire): SchemaReport {
  return { ok: wire.ok, problems: wire.problems, pendingMigrations: wire.pending_migrations }
}
