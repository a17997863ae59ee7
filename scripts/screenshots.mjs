// Regenerates the dashboard screenshots that the README shows (docs/screenshots/):
// `parley serve` on a new embedded database in a temporary folder, `parley demo`
// played into it a few times through the server's socket, then headless
// Chromium signs in and photographs the sessions, a session, a live session and
// the stats. Run `npm run screenshots` (it builds first); Chromium is
// /usr/bin/chromium, or $CHROMIUM_PATH.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import { startServe } from '../bench/lib/server.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'docs', 'screenshots')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const BIN = join(ROOT, 'bin', 'parley.js')
const DEMO_RUNS = 4

if (!existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) stop('the dashboard is not built: run npm run build (or npm run screenshots)')
if (!existsSync(CHROMIUM)) stop(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`)

const folder = mkdtempSync(join(tmpdir(), 'parley-screenshots-'))
const databaseUrl = `pglite:${join(folder, 'db')}`
const server = await startServe(databaseUrl)
const base = server.url
let browser

try {
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
} finally {
  await browser?.close()
  await server.stop()
  rmSync(folder, { recursive: true, force: true })
}

async function parley(...args) {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '--database-url', databaseUrl], { cwd: ROOT })
  return stdout
}

function lastLine(text) {
  return text.trim().split('\n').at(-1).trim()
}

function stop(message) {
  console.error(`screenshots: ${message}`)
  process.exit(2)
}
