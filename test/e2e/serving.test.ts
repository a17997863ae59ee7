// `parley serve` serves the built dashboard at `/` without a key (the API
// calls it makes carry one), and says how to build it when it is missing.
import Fastify from 'fastify'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../src/server/app.js'
import { DASHBOARD_DIR, dashboardRoutes } from '../../src/server/routes/dashboard.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { buildDashboardIfStale } from './browser.js'

buildDashboardIfStale()

describeEachBackend('dashboard files', (backend) => {
  let tracker: Tracker
  let app: Awaited<ReturnType<typeof buildApp>>

  beforeAll(async () => {
    tracker = await createTracker({ database: await backend.migratedDatabase() })
    app = await buildApp({ tracker })
  })
  afterAll(async () => {
    await app?.close()
    await tracker?.close()
  })

  it('serves index.html at / without a key, uncached, with a policy that allows only this server', async () => {
    const response = await app.inject({ url: '/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.headers['cache-control']).toBe('no-cache')
    expect(response.headers['content-security-policy']).toContain("connect-src 'self'")
    expect(response.body).toMatch(/<div id="app"><\/div>/)
    // Nothing from elsewhere: every script and stylesheet is one of ours.
    expect(response.body).not.toMatch(/(src|href)="(https?:)?\/\//)
  })

  it('serves the hashed assets for good, and answers 404 for files that are not there', async () => {
    const [script] = readdirSync(join(DASHBOARD_DIR, 'assets')).filter((name) => name.endsWith('.js'))
    const response = await app.inject({ url: `/assets/${script}` })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/javascript/)
    expect(response.headers['cache-control']).toContain('immutable')
    expect(response.body).not.toMatch(/https?:\/\/(fonts|cdn|unpkg)/)
    expect((await app.inject({ url: '/assets/nothing-here.js' })).statusCode).toBe(404)
  })

  it('leaves the API behind its keys', async () => {
    expect((await app.inject({ url: '/v1/sessions' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})

it('says to run npm run build when the dashboard was not built', async () => {
  const app = Fastify()
  await app.register(dashboardRoutes(join(DASHBOARD_DIR, 'missing-build')))
  const response = await app.inject({ url: '/' })
  expect(response.statusCode).toBe(200)
  expect(response.headers['content-type']).toMatch(/^text\/html/)
  expect(response.body).toContain('run <code>npm run build</code>')
  await app.close()
})
