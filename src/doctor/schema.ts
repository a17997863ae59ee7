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
  /** Absent in snapshots made before the doctor read security. */
  security?: SecurityShape
}

/** A row level security policy as pg_policy holds it; expressions with the JWT's subject as `{jwt_sub}`. */
export interface PolicyShape {
  table: string
  name: string
  /** pg_policy.polcmd: r select, a insert, w update, d delete, * all. */
  command: string
  permissive: boolean
  roles: string[]
  using: string | null
  check: string | null
}

/** Security is schema: who may reach what, and how the functions run. */
export interface SecurityShape {
  /** The conversation tables' row level security. */
  rls: Record<string, { enabled: boolean; forced: boolean }>
  /** Keyed `table.policy`. */
  policies: Record<string, PolicyShape>
  /** Functions of the parley schema: how they run (prosecdef, proconfig). */
  functions: Record<string, { signature: string; securityDefiner: boolean; config: string[] }>
  /** `table parley.api_keys` → grantee (PUBLIC or an API role) → privileges. */
  grants: Record<string, Record<string, string[]>>
  /** The API roles that exist in this database (anon, authenticated, service_role). */
  apiRoles: string[]
}
