import { prepareDatabase } from '../../tracker/tracker.js'
import { createApiKey, listApiKeys, revokeApiKey, validateKeyOptions } from '../../server/api-keys.js'
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
        for (const key of keys) {
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active'
          const line = `pk_${key.prefix}  ${key.scope.padEnd(6)}  ${(key.userId ?? 'any user').padEnd(36)}  ${state.padEnd(32)}  ${key.name ?? ''}`
          context.stdout.write(`${line.trimEnd()}\n`)
        }
      }
    } else {
      const key = await revokeApiKey(database, options.prefix ?? '')
      context.stdout.write(`Revoked pk_${key.prefix}\n`)
    }
    return 0
  }, { mustExist: action !== 'create' })
}
