import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/database.js'
import { usableKeyPrefixes } from '../../tracker/api-keys.js'
import type { StreamConnection } from './connection.js'
import { every } from '../every.js'

/**
 * Every `intervalMs`, ends the open sockets whose credential no longer holds:
 * an API key revoked on any replica (asked of the database, one query for all
 * the keys of this server's sockets) or a JWT past its `exp`. A lookup that
 * fails keeps the sockets: the database is away, and their writes fail anyway.
 * Returns the function that stops the watch.
 */
export function watchCredentials(connections: ReadonlySet<StreamConnection>, database: Database, log: FastifyBaseLogger, intervalMs: number): () => void {
  const sweep = async () => {
    const byKey = new Map<string, StreamConnection[]>()
    for (const connection of connections) {
      const principal = connection.principal
      if (!principal) continue
      const { credential, keyPrefix } = principal
      if (credential.kind === 'jwt') {
        if (credential.expiresAt !== undefined && credential.expiresAt <= Date.now()) void connection.revoke('the token has expired')
        continue
      }
      byKey.set(keyPrefix, [...(byKey.get(keyPrefix) ?? []), connection])
    }
    if (byKey.size === 0) return
    const usable = await usableKeyPrefixes(database, [...byKey.keys()])
    for (const [prefix, sockets] of byKey) {
      if (!usable.has(prefix)) for (const connection of sockets) void connection.revoke('the key has been revoked')
    }
  }
  return every(intervalMs, sweep, (error) => log.warn({ err: error }, 'could not re-check the keys of open sockets; the next sweep tries again'))
}
