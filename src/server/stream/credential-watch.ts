import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/database.js'
import { usableKeyPrefixes } from '../../tracker/api-keys.js'
import type { StreamConnection } from './connection.js'

/**
 * Every `intervalMs`, ends the open sockets whose credential no longer holds:
 * an API key revoked on any replica (asked of the database, one query for all
 * the keys of this server's sockets) or a JWT past its `exp`. A lookup that
 * fails keeps the sockets: the database is away, and their writes fail anyway.
 * Returns the function that stops the watch.
 */
export function watchCredentials(connections: ReadonlySet<StreamConnection>, database: Database, log: FastifyBaseLogger, intervalMs: number): () => void {
  let sweeping = false
  const sweep = async () => {
    const byKey = new Map<string, StreamConnection[]>()
    for (const connection of connections) {
      const credential = connection.principal?.credential
      if (!credential) continue
      if (credential.kind === 'jwt') {
        if (credential.expiresAt !== undefined && credential.expiresAt <= Date.now()) void connection.revoke('the token has expired')
        continue
      }
      byKey.set(credential.prefix, [...(byKey.get(credential.prefix) ?? []), connection])
    }
    if (byKey.size === 0) return
    const usable = await usableKeyPrefixes(database, [...byKey.keys()])
    for (const [prefix, sockets] of byKey) {
      if (!usable.has(prefix)) for (const connection of sockets) void connection.revoke('the key has been revoked')
    }
  }
  const timer = setInterval(() => {
    if (sweeping) return
    sweeping = true
    sweep()
      .catch((error: unknown) => log.warn({ err: error }, 'could not re-check the keys of open sockets; the next sweep tries again'))
      .finally(() => (sweeping = false))
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
