import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** Where `npm run build` puts the dashboard: dist/dashboard/ beside src/ and dist/ alike. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url))

// The page only talks to this server; audio may come from wherever the turns point.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  'media-src * blob: data:',
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

// Two speech bubbles; browsers ask for /favicon.ico whatever the page says, so it is answered there.
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="4" width="20" height="14" rx="4" fill="#2f6fde"/><rect x="10" y="13" width="20" height="14" rx="4" fill="#1c9a6b"/></svg>`

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><h1>Parley</h1>
<p>The dashboard is not built yet: run <code>npm run build</code> in the Parley folder, then reload.</p>
<p>The API is up: see <a href="/docs">/docs</a>.</p></body></html>
`

/**
 * The dashboard at `/`: static files, no key needed to fetch them (the API
 * calls they make carry the key). `index.html` is read on each request and
 * never cached; the hashed files under /assets/ are cached for good.
 */
export function dashboardRoutes(dir: string = DASHBOARD_DIR) {
  return async (app: FastifyInstance) => {
    const index = `${dir.replace(/\/?$/, '/')}index.html`
    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
      let html: string
      try {
        html = await readFile(index, 'utf8')
      } catch {
        return reply.type('text/html; charset=utf-8').send(NOT_BUILT)
      }
      return reply.header('content-security-policy', CONTENT_SECURITY_POLICY).type('text/html; charset=utf-8').send(html)
    })
    app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON),
    )
    const assets = `${dir.replace(/\/?$/, '/')}assets`
    // Registered even before a first build, so assets built later are served without a restart.
    await app.register(fastifyStatic, {
      root: existsSync(assets) ? assets : dir,
      prefix: '/assets/',
      decorateReply: false,
      maxAge: '365d',
      immutable: true,
      index: false,
    })
  }
}
