// The LISTEN connection proves itself with a probe NOTIFY, against the real
// PostgreSQL: while the probe is lost (as behind a transaction pooler) live
// events are unavailable and said so once; when it comes back they are ok and
// notifications flow, without anyone listening again.
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createNotificationListener } from '../../src/db/postgres/notification-listener.js'
import type { Logger } from '../../src/logger.js'
import { ADMIN_URL } from '../support/backends.js'

const inCI = process.env.CI === 'true' || process.env.CI === '1'
const reachable = await (async () => {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return true
  } catch {
    if (inCI) throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL}; CI must run this suite`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
})()

describe.skipIf(!reachable)('the notification listener’s probe', () => {
  const sender = new pg.Client({ connectionString: ADMIN_URL })
  afterAll(async () => sender.end())

  it('is unavailable while the probe is lost, logs once, and recovers by itself', async () => {
    await sender.connect()
    const lines: Array<[string, string]> = []
    const logger: Logger = {
      info: (_fields, message) => lines.push(['info', message]),
      warn: (_fields, message) => lines.push(['warn', message]),
      error: (_fields, message) => lines.push(['error', message]),
      debug: () => {},
    }
    let poolDeliversNotify = false
    const listener = createNotificationListener({
      url: ADMIN_URL,
      description: 'the test database',
      probeTimeoutMs: 300,
      logger,
      notifyThroughPool: async (channel, payload) => {
        if (poolDeliversNotify) await sender.query('select pg_notify($1, $2)', [channel, payload])
      },
    })
    try {
      const heard: string[] = []
      await listener.listen('parley_probe_test', (payload) => heard.push(payload))
      expect(listener.state()).toBe('unavailable')
      await new Promise((resolve) => setTimeout(resolve, 2500)) // two more failed attempts
      expect(lines.filter(([level]) => level === 'error')).toHaveLength(1)
      expect(lines[0]![1]).toMatch(/live events are unavailable: .*set DIRECT_URL/)
      await sender.query(`notify parley_probe_test, 'lost'`)

      poolDeliversNotify = true
      const deadline = Date.now() + 10_000
      while (listener.state() !== 'ok' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(listener.state()).toBe('ok')
      expect(lines.at(-1)).toEqual(['info', 'live events work again: the probe NOTIFY came back'])
      await sender.query(`notify parley_probe_test, 'delivered'`)
      const until = Date.now() + 5000
      while (heard.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
      expect(heard).toEqual(['delivered'])
    } finally {
      await listener.close()
    }
  }, 30_000)
})
