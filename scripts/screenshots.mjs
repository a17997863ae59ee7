// Regenerates the dashboard screenshots that the README shows (docs/screenshots/):
// `parley serve` on a new embedded database in a temporary folder, `parley demo`
// played into it a few times through the server's socket, then headless
// Chromium signs in and photographs the sessions, a session, a live session and
// the stats. Run `npm run screenshots` (it builds first); Chromium is
// /usr/bin/chromium, or $CHROMIUM_PATH.
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'docs', 'screenshots')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const BIN = join(ROOT, 'bin', 'parley.js')
const DEMO_RUNS = 4

if (!existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) stop('the dashboard is not built: run npm run build (or npm run screenshots)')
if (!existsSync(CHROMIUM)) stop(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`)

const folder = mkdtempSync(join(tmpdir(), 'parley-screenshots-'))
const databaseUrl = `pglite:${join(folder, 'db')}`
const port = await freePort()
const base = `http://127.0.0.1:${port}`
let serverLog = ''
const server = spawn(process.execPath, [BIN, 'serve', '--database-url', databaseUrl, '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
server.stdout.on('data', (chunk) => (serverLog += chunk))
server.stderr.on('data', (chunk) => (serverLog += chunk))
let browser

try {
  await ready(`${base}/readyz`)
  // The CLI reaches the server's embedded database through its socket, as a user's would.
  for (let run = 0; run < DEMO_RUNS; run++) await parley('demo')
  const readKey = lastLine(await parley('keys', 'create', '--scope', 'read', '--name', 'screenshots'))
  const adminKey = lastLine(await parley('keys', 'create', '--scope', 'admin', '--name', 'screenshots'))

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: 'UTC' })
  mkdirSync(OUT, { recursive: true })
  const shoot = async (name) => {
    await page.waitForLoadState('networkidle')
    await page.screenshot({ path: join(OUT, `${name}.png`) })
    console.log(`docs/screenshots/${name}.png`)
  }

  await page.goto(`${base}/#/sessions`)
  await page.getByLabel('API key').fill(readKey)
  await page.getByRole('button', { name: 'Sign in' }).click()
  const rows = page.locator('[role=row][data-session-id]')
  await rows.nth(DEMO_RUNS - 1).waitFor()
  await page.getByText('active sessions update live').waitFor()
  await shoot('sessions')

  await rows.first().locator('a').first().click()
  await page.locator('article.turn').first().waitFor()
  await shoot('session')

  const { ParleyClient } = await import('../dist/client/index.js')
  const writer = new ParleyClient({ baseUrl: base, apiKey: adminKey, flushIntervalMs: 5 })
  try {
    const live = await writer.startSession({ metadata: { channel: 'voice', agent: 'parley-demo' } })
    await writer.addMessage({ sessionId: live.sessionId, role: 'user', content: 'Hi, can you book a table for two tonight?' })
    await writer.addMessage({ sessionId: live.sessionId, role: 'assistant', content: 'Sure. Which time would you like?' })
    await page.goto(`${base}/#/live/${live.sessionId}`)
    await page.getByText('Which time would you like?').waitFor()
    await writer.addMessage({ sessionId: live.sessionId, role: 'user', content: 'Eight o’clock, please.' })
    await page.getByText('Eight o’clock, please.').waitFor()
    await shoot('live')
    await writer.endSession(live.sessionId, { reason: 'caller_hung_up' })
  } finally {
    await writer.shutdown({ timeoutMs: 2000 })
  }

  await page.goto(`${base}/#/stats`)
  await page.locator('.chart canvas').first().waitFor()
  await shoot('stats')
} catch (error) {
  console.error(serverLog)
  throw error
} finally {
  await browser?.close()
  server.kill('SIGTERM')
  await new Promise((done) => (server.exitCode === null ? server.once('exit', done) : done()))
  rmSync(folder, { recursive: true, force: true })
}

async function parley(...args) {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '--database-url', databaseUrl], { cwd: ROOT })
  return stdout
}

function lastLine(text) {
  return text.trim().split('\n').at(-1).trim()
}

async function ready(url) {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`parley serve exited with ${server.exitCode}`)
    const answered = await fetch(url).then((response) => response.ok, () => false)
    if (answered) return
    await new Promise((done) => setTimeout(done, 250))
  }
  throw new Error(`parley serve did not become ready at ${url}`)
}

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => done(port))
    })
  })
}

function stop(message) {
  console.error(`screenshots: ${message}`)
  process.exit(2)
}
