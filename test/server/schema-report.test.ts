// GET /v1/schema-report: the doctor's JSON report, as `parley doctor --json` prints it, for the server's database.
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import { doctorCommand } from '../../src/cli/commands/doctor.js'
import type { Database } from '../../src/db/database.js'
import { checkSchema } from '../../src/doctor/check-schema.js'
import { reportJson } from '../../src/doctor/format-report.js'
import { migrate } from '../../src/migrations/migrator.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { call, expectError } from './support.js'

/** What `parley doctor --json` prints for the database at `url`. */
async function doctorJsonOutput(url: string): Promise<unknown> {
  let out = ''
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      out += String(chunk)
      done()
    },
  })
  await doctorCommand({ databaseUrl: url, json: true }, { env: {}, stdout, stderr: stdout })
  return JSON.parse(out)
}

describeEachBackend('schema report', (backend) => {
  let database: Database
  let url: string
  let tracker: Tracker
  let app: FastifyInstance
  let baseUrl: string
  let readKey: string
  let ingestKey: string

  beforeAll(async () => {
    ;({ database, url } = await backend.emptyDatabase())
    await migrate(database)
    tracker = await createTracker({ database })
    app = await buildApp({ tracker })
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    readKey = (await createApiKey(database, { scope: 'read' })).key
    ingestKey = (await createApiKey(database, { scope: 'ingest' })).key
  })
  afterAll(async () => {
    await app?.close()
    await tracker?.close()
  })

  const report = async () => {
    const response = await call(app, 'GET', '/v1/schema-report', { key: readKey })
    expect(response.statusCode, response.body).toBe(200)
    return response.data
  }

  it('reports a clean schema on a migrated database', async () => {
    // live_events is the server's own addition: whether its LISTEN works (the doctor's JSON has no such thing).
    expect(await report()).toEqual({ ok: true, problems: [], pending_migrations: [], live_events: expect.stringMatching(/^(ok|starting)$/) })
  })

  it('needs a read key', async () => {
    expectError(await call(app, 'GET', '/v1/schema-report', {}), 401, 'UNAUTHORIZED')
    expectError(await call(app, 'GET', '/v1/schema-report', { key: ingestKey }), 403, 'FORBIDDEN')
  })

  it('shows drift exactly as the doctor reports it, and the SDK returns it in camelCase', async () => {
    await database.exec(`
      alter table conversation_sessions add column legacy_notes text;
      drop index conversation_messages_user_time_idx;`)
    const served = await report()
    expect(served.ok).toBe(false)
    expect(served.pending_migrations).toEqual([])
    expect(served.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing_index', table: 'conversation_messages', name: 'conversation_messages_user_time_idx', severity: 'error' }),
        expect.objectContaining({ kind: 'extra_column', table: 'conversation_sessions', column: 'legacy_notes', severity: 'warning' }),
      ]),
    )
    const { live_events: _liveEvents, ...doctorPart } = served
    expect(doctorPart).toEqual(reportJson(await checkSchema(database)))
    // The CLI opens the database itself: only PostgreSQL can be shared with it.
    if (backend.name === 'postgres') expect(doctorPart).toEqual(await doctorJsonOutput(url))

    const parley = new ParleyClient({ baseUrl, apiKey: readKey })
    const fromSdk = await parley.getSchemaReport()
    expect(fromSdk).toEqual({ ok: false, problems: served.problems, pendingMigrations: [] })
    await parley.shutdown()
  })
})
