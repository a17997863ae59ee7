import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Database } from '../../db/database.js'
import type { BatchObserver } from '../../tracker/message-writer.js'

/**
 * The server's Prometheus metrics, in a registry of their own (not
 * prom-client's global one), so that several apps in one process don't clash.
 * Pass `onBatch` to `createTracker` so that written messages and batch sizes
 * are counted; without it those two read 0.
 */
export interface Metrics {
  readonly registry: Registry
  /** The tracker's batch observer: `createTracker({ onBatch: metrics.onBatch })`. */
  readonly onBatch: BatchObserver
  /** Counts one answered HTTP request; `route` is the route's pattern, never the raw URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
}

/** Route label of requests that matched no route: raw URLs would make a label per URL. */
export const UNMATCHED_ROUTE = 'unmatched'

/** Creates the metrics; `installMetrics` serves them on an app. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  const requests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const written = new Counter({
    name: 'parley_messages_written_total',
    help: 'Messages newly stored (retries of stored ids not counted)',
    registers: [registry],
  })
  const batches = new Histogram({
    name: 'parley_write_batch_rows',
    help: 'Rows per group-commit batch statement',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: [registry],
  })
  return {
    registry,
    onBatch: ({ rows, inserted }) => {
      batches.observe(rows)
      written.inc(inserted)
    },
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) }
      requests.inc(labels)
      latency.observe(labels, seconds)
    },
  }
}

/**
 * Counts every request and serves `GET /metrics` (Prometheus text format, no
 * key: scrape it on a private network, or block it at the proxy). Pool
 * gauges come from `database.poolStats()`; a backend without a pool (PGlite)
 * reports one connection.
 */
export function installMetrics(app: FastifyInstance, database: Database, metrics: Metrics = createMetrics()): void {
  const { registry } = metrics
  new Gauge({
    name: 'parley_db_pool_connections',
    help: 'Database connections: total open, and idle among them (PGlite: one connection, total only)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = database.poolStats?.()
      this.set({ state: 'total' }, stats?.total ?? 1)
      if (stats) this.set({ state: 'idle' }, stats.idle)
    },
  })
  new Gauge({
    name: 'parley_db_pool_waiting_clients',
    help: 'Queries waiting for a free pool connection (PGlite: 0, it queues internally)',
    registers: [registry],
    collect() {
      this.set(database.poolStats?.().waiting ?? 0)
    },
  })

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000)
  })

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics: requests, latency, messages written, batch sizes, pool use', tags: ['health'] } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  )
}
