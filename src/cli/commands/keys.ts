import { prepareDatabase } from '../../doctor/schema-guard.js'
import { createApiKey, listApiKeys, revokeApiKey, validateKeyOptions } from '../../tracker/api-keys.js'
import { ValidationError } from '../../model/errors.js'
import { textTable } from '../../text-table.js'
import { withDatabase, type CliContext } from '../cli-context.js'

/** `parley keys create|list|revoke`: the new key is the last line of stdout, shown once. */
export async function keysCommand(
  action: 'create' | 'list' | 'revoke',
  options: { databaseUrl: string; scope?: string; userId?: string; name?: string; prefix?: string; json?: boolean },
  context: CliContext,
): Promise<number> {
  // A mistyped scope or user id is answered before the database is opened (seconds, for PGlite).
  if (action === 'create') validateKeyOptions({ scope: options.scope ?? '', userId: options.userId ?? null })
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    if (action === 'create') {
      const { key, apiKey } = await createApiKey(database, {
        scope: options.scope ?? '',
        userId: options.userId ?? null,
        name: options.name ?? null,
      })
      const bound = apiKey.userId ? ` for user ${apiKey.userId}` : ''
      context.stderr.write(`Created ${apiKey.scope} key pk_${apiKey.prefix}${bound}. Store it now: it is not shown again.\n`)
      context.stdout.write(`${key}\n`)
    } else if (action === 'list') {
      const keys = await listApiKeys(database)
      if (options.json) {
        const rows = keys.map((key) => ({
          prefix: `pk_${key.prefix}`,
          scope: key.scope,
          user_id: key.userId,
          name: key.name,
          created_at: key.createdAt,
          revoked_at: key.revokedAt,
        }))
        context.stdout.write(`${JSON.stringify(rows)}\n`)
      } else if (keys.length === 0) {
        context.stdout.write('No keys yet: parley keys create --scope admin\n')
      } else {
        const state = (key: (typeof keys)[number]) => (key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active')
        const rows = keys.map((key) => [`pk_${key.prefix}`, key.scope, key.userId ?? 'any user', state(key), key.name ?? ''])
        for (const line of textTable([['PREFIX', 'SCOPE', 'USER', 'STATE', 'NAME'], ...rows])) context.stdout.write(`${line}\n`)
      }
    } else {
      const prefix = keyPrefix(options.prefix ?? '')
      const before = (await listApiKeys(database)).find((key) => key.prefix === prefix)
      if (before?.revokedAt) {
        context.stdout.write(`pk_${prefix} was already revoked (${before.revokedAt.toISOString()}); nothing changed\n`)
        return 0
      }
      const key = await revokeApiKey(database, prefix)
      context.stdout.write(`Revoked pk_${key.prefix}\n`)
    }
    return 0
  }, { mustExist: action !== 'create' })
}

/** `pk_1a2b3c4d`, `1a2b3c4d` or the whole key: its prefix. */
export function keyPrefix(text: string): string {
  const match = /^(?:pk_)?([0-9a-f]{8})(?:_[A-Za-z0-9_-]+)?$/.exec(text.trim())
  if (!match) throw new ValidationError('prefix', `"${text.slice(0, 16)}…" is neither a key nor its prefix (pk_ and 8 hex digits, as parley keys list shows)`)
  return match[1]!
}
