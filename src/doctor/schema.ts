/** A column as the doctor compares it. */
export interface ColumnShape {
  type: string
  nullable: boolean
  default: string | null
}

/** A table's shape, keyed by name so that two snapshots compare entry by entry. */
export interface TableShape {
  columns: Record<string, ColumnShape>
  /** `PRIMARY KEY (id)`, `CHECK (…)`, `FOREIGN KEY … ON DELETE CASCADE` as pg_get_constraintdef prints them. */
  constraints: Record<string, string>
  /** pg_get_indexdef without the schema name. */
  indexes: Record<string, string>
  /** pg_get_triggerdef without the schema name. */
  triggers: Record<string, string>
}

/** What a database holds, or should hold: the tables, the trigger functions, the migration history. */
export interface SchemaSnapshot {
  tables: Record<string, TableShape>
  /** Trigger functions: sha256 of the body with whitespace collapsed, and the statement that creates it. */
  functions: Record<string, { hash: string; definition: string }>
  migrations: Array<{ version: number; name: string; checksum: string }>
}
