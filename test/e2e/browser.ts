// Headless Chromium for the dashboard tests, the dashboard's build, and a WAV to play.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { ROOT } from '../support/cli.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const inCI = process.env.CI === 'true' || process.env.CI === '1'
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

/**
 * Whether the browser tests can run here. Without Chromium they are skipped
 * locally (with a note), and fail in CI, where `.ci/run` installs it.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (inCI) throw new Error(`Chromium is missing at ${CHROMIUM}: CI must run the dashboard tests (apt-get install -y chromium)`)
  console.warn(`Chromium is missing at ${CHROMIUM}: skipping the dashboard tests (apt-get install -y chromium, or set CHROMIUM_PATH)`)
  return false
}

/** Builds dist/dashboard/ when a dashboard or SDK source is newer than the build. */
export function buildDashboardIfStale(): void {
  const built = join(ROOT, 'dist', 'dashboard', 'index.html')
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs)))
  // The bundle takes the SDK and the shapes it uses from src/, so any source counts.
  const sources = Math.max(newest(join(ROOT, 'dashboard')), newest(join(ROOT, 'src')))
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** Every URL the pages asked for, to check that nothing left the Parley server. */
  requests: string[]
  close(): Promise<void>
}

/** Chromium with a fresh profile, no network beyond what the page asks for, audio allowed to start. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'parley-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'en-US',
    timezoneId: 'UTC',
    permissions: ['clipboard-read', 'clipboard-write'],
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  })
  const requests: string[] = []
  context.on('request', (request) => requests.push(request.url()))
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    requests,
    async close() {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    },
  }
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: options.fullPage ?? false })
  return path
}

/** A mono 16-bit PCM WAV of a `seconds`-long tone: something Chromium decodes and plays. */
export function toneWav(seconds = 1.5, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate)
  const data = Buffer.alloc(samples * 2)
  for (let index = 0; index < samples; index++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * index) / rate) * 8000), index * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVE', 8)
  header.write('fmt ', 12)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}
