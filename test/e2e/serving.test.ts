// `parley serve` serves the dashboard at `/` without a key (the API calls it
// makes carry one), and says how to build it when it is missing.
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/server/app.js'
import { dashboardRoutes } from '../../src/server/routes/dashboard.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'

describe('dashboard files', () => {
  // A build of our own: these tests need no Vite run, and race none.
  const dir = mkdtempSync(join(tmpdir(), 'parley-dashboard-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="./assets/index-abc123.js"></script>')
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")')
  let app: FastifyInstance

  beforeAll(async () => {
    app = Fastify()
    await app.register(dashboardRoutes(dir))
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves index.html at /, uncached, with a policy that lets the page reach only this server', async () => {
    const response = await app.inject({ url: '/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.headers['cache-control']).toBe('no-cache')
    expect(response.headers['content-security-policy']).toMatch(/default-src 'self'.*connect-src 'self'/)
    expect(response.body).toContain('<div id="app"></div>')
  })

  it('serves the hashed assets for good, and 404 for files that are not there', async () => {
    const response = await app.inject({ url: '/assets/index-abc123.js' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/javascript/)
    expect(response.headers['cache-control']).toContain('immutable')
    expect((await app.inject({ url: '/assets/nothing-here.js' })).statusCode).toBe(404)
    expect((await app.inject({ url: '/assets/../index.html' })).statusCode).not.toBe(200)
  })

  it('answers /favicon.ico with an icon instead of a 404', async () => {
    const response = await app.inject({ url: '/favicon.ico' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/)
    expect(response.body).toMatch(/^<svg /)
  })

  it('says to run npm run build when the dashboard was not built', async () => {
    const bare = Fastify()
    await bare.register(dashboardRoutes(join(dir, 'missing-build')))
    const response = await bare.inject({ url: '/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.body).toContain('run <code>npm run build</code>')
    await bare.close()
  })
})

describeEachBackend('dashboard in the app', (backend) => {
  let tracker: Tracker
  let app: FastifyInstance

  beforeAll(async () => {
    tracker = await createTracker({ database: await backend.migratedDatabase() })
    app = await buildApp({ tracker })
  })
  afterAll(async () => {
    await app?.close()
    await tracker?.close()
  })

  it('answers / without a key, and keeps the API behind its keys', async () => {
    const page = await app.inject({ url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect((await app.inject({ url: '/v1/sessions' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})
