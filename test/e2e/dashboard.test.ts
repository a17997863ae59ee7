// The dashboard in headless Chromium against a real server and database:
// sign in, filter, open a session, play a turn's audio, watch a session live,
// search, stats and health — each test leaves a screenshot in test-results/.
import type { FastifyInstance } from 'fastify'
import { readFile } from 'node:fs/promises'
import { v4 as uuidv4 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import { createApiKey } from '../../src/tracker/api-keys.js'
import type { Database } from '../../src/db/database.js'
import { buildApp } from '../../src/server/app.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import { describeEachBackend } from '../support/backends.js'
import { buildDashboardIfStale, chromiumAvailable, launchBrowser, screenshot, toneWav, type Browser } from './browser.js'

const available = chromiumAvailable()
if (available) buildDashboardIfStale()

const DAY = 86_400_000
const LONG_TURNS = 2000

describeEachBackend('dashboard in Chromium', (backend) => {
  describe.skipIf(!available)('pages', () => {
    let database: Database
    let tracker: Tracker
    let app: FastifyInstance
    let base: string
    let readKey: string
    let adminKey: string
    let browser: Browser
    const alice = uuidv4()
    const bob = uuidv4()
    const seeded = { weather: '', refund: '', active: '', long: '', longTurns: [] as string[], weatherTurn: '', messages: 0 }
    let lonelyKey: string
    const now = Date.now()
    // Midday UTC, so a day in the browser's time zone and in UTC agree.
    const dayStart = (daysAgo: number) => new Date(Math.floor((now - daysAgo * DAY) / DAY) * DAY + 12 * 3_600_000)

    beforeAll(async () => {
      database = await backend.migratedDatabase()
      tracker = await createTracker({ database })
      app = await buildApp({ tracker, rateLimit: false })
      const wav = toneWav()
      app.get('/test-audio/:name', async (_request, reply) => reply.type('audio/wav').send(wav))
      base = await app.listen({ port: 0, host: '127.0.0.1' })
      readKey = (await createApiKey(database, { scope: 'read' })).key
      adminKey = (await createApiKey(database, { scope: 'admin' })).key

      const weatherStart = dayStart(3)
      const weather = await tracker.startSession({ userId: alice, startedAt: weatherStart, metadata: { channel: 'voice' } })
      const turns = [
        { role: 'system', content: 'You are a helpful weather assistant. Keep answers short.' },
        { role: 'user', content: 'What is the weather in Lisbon today?', audioUrl: `${base}/test-audio/turn-1.wav` },
        { role: 'assistant', content: 'Sunny in Lisbon, 24 degrees.', audioUrl: `${base}/test-audio/turn-2.wav` },
        { role: 'tool', content: '{"city":"Lisbon","temp_c":24}' },
        { role: 'user', content: 'Thanks, goodbye.' },
      ] as const
      const stored = await tracker.addMessages(
        turns.map((turn, index) => ({ sessionId: weather.sessionId, ...turn, createdAt: new Date(weatherStart.getTime() + (index + 1) * 4000) })),
      )
      seeded.weatherTurn = stored.find((message) => message.content.includes('Sunny'))!.id
      await tracker.endSession(weather.sessionId, { reason: 'hangup' })
      seeded.weather = weather.sessionId

      const refundStart = dayStart(2)
      const refund = await tracker.startSession({ userId: bob, startedAt: refundStart, metadata: { channel: 'chat' } })
      await tracker.addMessages([
        { sessionId: refund.sessionId, role: 'user', content: 'I would like a refund for my order.', createdAt: new Date(refundStart.getTime() + 2000) },
        { sessionId: refund.sessionId, role: 'assistant', content: 'Of course, the refund is on its way.', createdAt: new Date(refundStart.getTime() + 5000) },
      ])
      await tracker.endSession(refund.sessionId, { reason: 'timeout' })
      seeded.refund = refund.sessionId

      const active = await tracker.startSession({ userId: alice, metadata: { channel: 'voice' } })
      await tracker.addMessage({ sessionId: active.sessionId, role: 'user', content: 'Hello, is anyone there?' })
      seeded.active = active.sessionId
      seeded.messages = turns.length + 2 + 1

      const long = await tracker.startSession({ userId: bob, startedAt: dayStart(1) })
      const longTurns = await tracker.addMessages(
        Array.from({ length: 500 }, (_, index) => ({ sessionId: long.sessionId, role: index % 2 ? 'assistant' : 'user', content: `Turn number ${index}` }) as const),
      )
      for (let batch = 1; batch < LONG_TURNS / 500; batch++) {
        longTurns.push(...await tracker.addMessages(
          Array.from({ length: 500 }, (_, index) => ({ sessionId: long.sessionId, role: index % 2 ? 'assistant' : 'user', content: `Turn number ${batch * 500 + index}` }) as const),
        ))
      }
      await tracker.endSession(long.sessionId, { reason: 'done' })
      seeded.long = long.sessionId
      seeded.longTurns = longTurns.map((message) => message.id)
      seeded.messages += LONG_TURNS
      lonelyKey = (await createApiKey(database, { scope: 'read', userId: uuidv4() })).key

      browser = await launchBrowser()
    })

    afterAll(async () => {
      await browser?.close()
      await app?.close()
      await tracker?.close()
    })

    const signIn = async (key = readKey) => {
      const { page } = browser
      await page.goto(`${base}/#/sessions`)
      await page.getByLabel('API key').fill(key)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }

    it('a wrong key shows an error and keeps the sign-in form', async () => {
      const { page } = browser
      await signIn('pk_00000000_wrongwrongwrongwrongwrongwrongwrongwrongwro')
      const alert = page.getByRole('alert')
      await alert.waitFor()
      expect(await alert.textContent()).toMatch(/did not accept this key/)
      expect(await page.evaluate(() => sessionStorage.getItem('parley.apiKey'))).toBeNull()
      await screenshot(page, 'sign-in-wrong-key')
    })

    it('signs in with the keyboard alone, lists sessions newest first and filters them by user in the URL', async () => {
      const { page } = browser
      await page.goto('about:blank')
      await page.goto(`${base}/#/sessions`)
      // The key field has the focus; Enter submits.
      await page.getByLabel('API key').waitFor()
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key')
      await page.keyboard.type(readKey)
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Sessions' }).waitFor()
      const rows = page.locator('[role=row][data-session-id]')
      await rows.first().waitFor()
      expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-session-id')))).toEqual([
        seeded.active,
        seeded.long,
        seeded.refund,
        seeded.weather,
      ])
      await expect.poll(() => rows.nth(3).textContent()).toMatch(/ended \(hangup\).*What is the weather in Lisbon today\?/)
      // The key is in this tab's storage only, never in the address.
      expect(page.url()).not.toContain('pk_')

      await page.getByLabel('User id').fill(bob)
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await expect.poll(() => rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-session-id')))).toEqual([seeded.long, seeded.refund])
      expect(new URL(page.url()).hash).toBe(`#/sessions?user=${bob}`)

      const shown = () => rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-session-id')))
      await page.goto(`${base}/#/sessions?active=true`)
      await expect.poll(shown).toEqual([seeded.active])
      await page.goto(`${base}/#/sessions?meta=channel%3Dchat`)
      await expect.poll(shown).toEqual([seeded.refund])
      // Only the weather call lasted over two and a half days (it started three days ago at noon UTC).
      await page.goto(`${base}/#/sessions?min=${2.5 * 86_400}`)
      await expect.poll(shown).toEqual([seeded.weather])
      expect(await page.getByLabel('Min. duration (s)').inputValue()).toBe(String(2.5 * 86_400))
      await page.goto(`${base}/#/sessions`)
      await rows.nth(3).waitFor()
      await screenshot(page, 'sessions')
    })

    it('opens a session: facts, turns on opposite sides, folded system turn, audio played on through, export and copy-link', async () => {
      const { page } = browser
      await page.goto(`${base}/#/sessions`)
      await page.locator(`[data-session-id="${seeded.weather}"] a`).first().click()
      await page.getByRole('heading', { name: /^Session/ }).waitFor()
      expect(new URL(page.url()).hash).toBe(`#/sessions/${seeded.weather}`)
      expect(await page.getByTestId('message-count').textContent()).toBe('5')
      const user = page.locator('article.turn.user').first()
      const assistant = page.locator('article.turn.assistant').first()
      const [userBox, assistantBox] = [await user.boundingBox(), await assistant.boundingBox()]
      expect(userBox!.x).toBeLessThan(assistantBox!.x)
      // Offsets from the session's start: 0:08 for the second turn (4 s apart).
      expect(await user.locator('.offset').textContent()).toBe('0:08')
      const system = page.locator('article.turn.system')
      expect(await system.locator('.content').getAttribute('class')).toContain('folded')
      await system.getByRole('button', { name: 'Show' }).click()
      await expect.poll(() => system.locator('.content').getAttribute('class')).not.toContain('folded')

      await page.getByLabel('Play on through').check()
      await user.getByRole('button', { name: /Play the audio/ }).click()
      await page.waitForFunction(() => {
        const audio = document.querySelector('audio')
        return audio !== null && audio.currentTime > 0
      })
      expect(await page.locator('audio').evaluate((audio: HTMLAudioElement) => audio.src)).toMatch(/\/test-audio\/turn-1\.wav$/)
      await screenshot(page, 'session')
      // Played on through: the assistant's turn follows once the user's ends.
      await page.waitForFunction(() => /turn-2\.wav$/.test(document.querySelector('audio')?.src ?? '') && document.querySelector('audio')!.currentTime > 0)
      expect(await page.locator('article.turn.playing').getAttribute('data-message-id')).toBe(seeded.weatherTurn)
      await page.locator('audio').evaluate((audio: HTMLAudioElement) => audio.pause())

      // Export: the file the button downloads is the session in the parley format.
      const exports = page.getByRole('group', { name: 'Export this session' })
      const [download] = await Promise.all([page.waitForEvent('download'), exports.getByRole('button', { name: 'json', exact: true }).click()])
      expect(download.suggestedFilename()).toBe(`session-${seeded.weather}.json`)
      const exported = JSON.parse(await readFile((await download.path())!, 'utf8'))
      expect(exported.format).toBe('parley')
      expect(exported.sessions[0].session.session_id).toBe(seeded.weather)
      expect(exported.sessions[0].messages.map((message: { content: string }) => message.content)).toContain('Sunny in Lisbon, 24 degrees.')

      await assistant.getByRole('button', { name: 'Copy a link to this turn' }).click()
      await assistant.getByText('Link copied').waitFor()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${base}/#/sessions/${seeded.weather}?turn=${seeded.weatherTurn}`)
    })

    it('shows the stats of the seeded database', async () => {
      const { page } = browser
      await page.goto(`${base}/#/stats`)
      await page.getByTestId('total-sessions').waitFor()
      expect(await page.getByTestId('total-sessions').textContent()).toBe('4')
      expect(await page.getByTestId('total-messages').textContent()).toBe(seeded.messages.toLocaleString('en-US'))
      expect(await page.getByTestId('active-now').textContent()).toBe('1')
      expect(await page.getByTestId('messages-avg').textContent()).toBe((seeded.messages / 4).toFixed(1).replace(/\.0$/, ''))
      expect(await page.locator('.chart canvas').count()).toBe(3)
      // The numbers behind the per-day chart: one session on each of the last three days, and one today.
      const perDay = page.getByRole('region', { name: 'Sessions per day' })
      await perDay.getByText('The numbers').click()
      const cells = await perDay.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)))
      const day = (daysAgo: number) => dayStart(daysAgo).toISOString().slice(0, 10)
      expect(cells.filter(([, count]) => count !== '0')).toEqual([
        [day(3), '1'],
        [day(2), '1'],
        [day(1), '1'],
        [day(0), '1'],
      ])
      await screenshot(page, 'stats-full', { fullPage: true })
      await screenshot(page, 'stats')
    })

    it('charts three years of sessions per month, with bars one can see and the year on every label', async () => {
      const { page, context } = browser
      // The axis labels are drawn on the canvas: note every text drawn, with its canvas.
      await context.addInitScript(() => {
        const drawn: Array<{ canvas: HTMLCanvasElement; text: string }> = []
        Object.assign(window, { parleyDrawnTexts: drawn })
        const fillText = CanvasRenderingContext2D.prototype.fillText
        CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth?: number) {
          drawn.push({ canvas: this.canvas, text })
          return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth)
        }
      })
      const carol = uuidv4()
      const first = Date.UTC(2022, 4, 10, 12)
      const count = 110
      for (let index = 0; index < count; index++) {
        const session = await tracker.startSession({ userId: carol, startedAt: new Date(first + index * 10 * DAY) })
        await tracker.endSession(session.sessionId, { reason: 'done' })
      }
      await page.goto('about:blank')
      await page.goto(`${base}/#/stats?user=${carol}`)
      const perMonth = page.getByRole('region', { name: 'Sessions per month' })
      const canvas = perMonth.locator('.chart canvas')
      await canvas.waitFor()
      await perMonth.getByText('The numbers').click()
      const rows = await perMonth.locator('tbody tr').evaluateAll((found) => found.map((row) => [...row.children].map((cell) => cell.textContent ?? '')))
      expect(rows[0]).toEqual(['2022-05', '3'])
      expect(rows.at(-1)![0]).toBe('2025-05')
      expect(rows).toHaveLength(37)
      expect(rows.reduce((sum, [, sessions]) => sum + Number(sessions), 0)).toBe(count)

      await expect.poll(() => canvas.evaluate((element) => (window as unknown as { parleyDrawnTexts: Array<{ canvas: unknown; text: string }> }).parleyDrawnTexts.filter((entry) => entry.canvas === element).length)).toBeGreaterThan(3)
      const { labels, bars } = await canvas.evaluate((element: HTMLCanvasElement) => {
        const drawn = (window as unknown as { parleyDrawnTexts: Array<{ canvas: unknown; text: string }> }).parleyDrawnTexts
        // The last drawing of this canvas: numbers are the count axis, the rest the time axis.
        const texts = drawn.filter((entry) => entry.canvas === element).map((entry) => entry.text)
        const labels = [...new Set(texts.filter((text) => !/^\d+$/.test(text)))]
        // One row of pixels just above the bottom of the plot, where every non-empty bar is.
        const plot = element.parentElement!.querySelector('.u-over')!.getBoundingClientRect()
        const box = element.getBoundingClientRect()
        const scale = element.width / box.width
        const y = Math.round((plot.bottom - box.top - 3) * scale)
        const row = element.getContext('2d')!.getImageData(0, y, element.width, 1).data
        const accent = getComputedStyle(element.closest('.chart')!).getPropertyValue('--accent').trim()
        const [r, g, b] = [1, 3, 5].map((start) => parseInt(accent.slice(start, start + 2), 16))
        const bars: number[] = []
        let run = 0
        for (let x = 0; x <= element.width; x++) {
          const at = x * 4
          const isBar = x < element.width && Math.abs(row[at]! - r!) < 12 && Math.abs(row[at + 1]! - g!) < 12 && Math.abs(row[at + 2]! - b!) < 12 && row[at + 3]! > 200
          if (isBar) run++
          else if (run > 0) {
            bars.push(run / scale)
            run = 0
          }
        }
        return { labels, bars }
      })
      expect(labels.length).toBeGreaterThan(3)
      for (const label of labels) expect(label).toMatch(/^20(22|23|24|25)-\d\d$/)
      expect(new Set(labels.map((label) => label.slice(0, 4))).size).toBeGreaterThanOrEqual(3)
      expect(bars).toHaveLength(37)
      expect(Math.min(...bars)).toBeGreaterThanOrEqual(4)
      await screenshot(page, 'stats-years')
    })

    it('says a recording could not be played, naming its host, when its audio URL answers 404', async () => {
      const { page } = browser
      const host = new URL(base).host
      const session = await tracker.startSession({ userId: uuidv4(), metadata: { recording: { url: `${base}/missing-audio/call.wav` } } })
      await tracker.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Can you hear me?', audioUrl: `${base}/missing-audio/turn.wav` })
      await tracker.endSession(session.sessionId, { reason: 'hangup' })
      await page.goto(`${base}/#/sessions/${session.sessionId}`)
      const player = page.getByRole('region', { name: 'Audio player' })
      await player.getByRole('button', { name: 'Play' }).click()
      const turnError = player.getByRole('alert')
      await turnError.waitFor()
      expect(await turnError.textContent()).toBe(`The recording could not be played from ${host}: it is missing there, was refused, or is in a format this browser cannot play.`)
      expect(await turnError.isVisible()).toBe(true)

      // The call's recording (metadata.recording) says the same under its own player.
      await page.getByTestId('session-recording').evaluate((audio: HTMLAudioElement) => audio.play().catch(() => {}))
      const recordingError = page.getByTestId('recording-error')
      await recordingError.waitFor()
      expect(await recordingError.textContent()).toMatch(new RegExp(`^The recording could not be played from ${host.replace(/\./g, '\\.')}: `))
      await screenshot(page, 'audio-missing')
    })

    it('searches what was said and follows a hit to its turn', async () => {
      const { page } = browser
      await page.goto(`${base}/#/search`)
      await page.getByLabel('Words').fill('sunny')
      await page.getByRole('button', { name: 'Search' }).click()
      const hit = page.locator('li.hit').first()
      await hit.waitFor()
      expect(await page.locator('li.hit').count()).toBe(1)
      expect((await hit.locator('mark').allTextContents()).map((text) => text.toLowerCase())).toEqual(['sunny'])
      expect(new URL(page.url()).hash).toBe('#/search?q=sunny')
      await screenshot(page, 'search')
      await hit.getByRole('link').click()
      const focused = page.locator('article.turn.focused')
      await focused.waitFor()
      expect(await focused.getAttribute('data-message-id')).toBe(seeded.weatherTurn)
      expect(new URL(page.url()).hash).toBe(`#/sessions/${seeded.weather}?turn=${seeded.weatherTurn}`)
    })

    it('shows a new session as it starts, and watches it receive turns written through the API, then end', async () => {
      const { page } = browser
      const writer = new ParleyClient({ baseUrl: base, apiKey: adminKey, flushIntervalMs: 1 })
      try {
        await page.goto(`${base}/#/sessions`)
        await page.getByText('new and active sessions update live').waitFor()
        // A session that starts while the page is open appears on top, without a reload.
        const session = await writer.startSession({ userId: alice })
        const row = page.locator(`[data-session-id="${session.sessionId}"]`)
        await row.waitFor()
        expect(await page.locator('[data-session-id]').first().getAttribute('data-session-id')).toBe(session.sessionId)
        // The table follows its sessions: a turn written now shows in its row.
        await writer.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Hello there.' })
        await expect.poll(() => row.locator('.messages').textContent()).toBe('1')
        await row.getByRole('link', { name: /watch/ }).click()
        await page.getByTestId('live-status').waitFor()
        expect(await page.getByTestId('live-status').textContent()).toBe('live')

        await writer.addMessage({ sessionId: session.sessionId, role: 'user', content: 'Can you book a table for two?' })
        await page.getByText('Can you book a table for two?').waitFor()
        await writer.addMessage({ sessionId: session.sessionId, role: 'assistant', content: 'Booked for eight o’clock.' })
        await page.getByText('Booked for eight o’clock.').waitFor()
        await writer.endSession(session.sessionId, { reason: 'hangup' })
        const marker = page.getByTestId('ended-marker')
        await marker.waitFor()
        expect(await marker.textContent()).toMatch(/Session ended \(hangup\).*3 messages/)
        expect(await page.getByTestId('live-status').textContent()).toBe('ended')
        await screenshot(page, 'live')
      } finally {
        await writer.shutdown({ timeoutMs: 1000 })
      }
    })

    it('shows new sessions only as the filters in the address select them, also after the filters change', async () => {
      const { page } = browser
      const writer = new ParleyClient({ baseUrl: base, apiKey: adminKey })
      try {
        await page.goto(`${base}/#/sessions`)
        await page.getByText('new and active sessions update live').waitFor()
        // The same page with other filters: it must not go on using the old ones for new sessions.
        await page.goto(`${base}/#/sessions?meta=${encodeURIComponent('tier=gold')}`)
        await page.getByRole('heading', { name: 'Sessions' }).waitFor()
        const silver = await writer.startSession({ metadata: { tier: 'silver' } })
        const gold = await writer.startSession({ metadata: { tier: 'gold' } })
        // Events arrive in order: once the gold session shows, the silver one has been dealt with.
        await page.locator(`[data-session-id="${gold.sessionId}"]`).waitFor()
        expect(await page.locator(`[data-session-id="${silver.sessionId}"]`).count()).toBe(0)
      } finally {
        await writer.shutdown({ timeoutMs: 1000 })
      }
    })

    it('shows the Status filter the address holds, keeps end reasons inside their column, and explains #/live without a session', async () => {
      const { page } = browser
      // The demo's reason, and a longer one: neither may run under the Topics column's dash.
      const dave = uuidv4()
      for (const reason of ['caller_hung_up', 'assistant_transferred_the_caller_to_a_human']) {
        const session = await tracker.startSession({ userId: dave })
        await tracker.endSession(session.sessionId, { reason })
      }
      await page.goto(`${base}/#/sessions?active=false&user=${dave}`)
      const status = page.getByLabel('Status')
      await expect.poll(() => page.locator('.badge.ended').count()).toBe(2)
      expect(await status.inputValue()).toBe('false')
      const overlaps = await page.locator('[role=row][data-session-id]').evaluateAll((rows) =>
        rows.map((row) => {
          const badge = row.querySelector('.badge.ended')!
          const cell = badge.parentElement!
          const topics = cell.nextElementSibling!
          return {
            reason: badge.getAttribute('title'),
            pastCell: badge.getBoundingClientRect().right - cell.getBoundingClientRect().right,
            overTopics: badge.getBoundingClientRect().right - topics.getBoundingClientRect().left,
          }
        }),
      )
      expect(overlaps.map((overlap) => overlap.reason).sort()).toEqual(['ended (assistant_transferred_the_caller_to_a_human)', 'ended (caller_hung_up)'])
      for (const overlap of overlaps) {
        expect(overlap.pastCell, overlap.reason!).toBeLessThanOrEqual(0.5)
        expect(overlap.overTopics, overlap.reason!).toBeLessThanOrEqual(0)
      }
      await page.goto(`${base}/#/live`)
      const empty = page.getByTestId('live-empty')
      await empty.waitFor()
      expect(await empty.textContent()).toMatch(/Pick one of the active sessions/)
    })

    it('shows the doctor’s report on the health page', async () => {
      const { page } = browser
      await page.goto(`${base}/#/health`)
      const verdict = page.getByTestId('health-verdict')
      await verdict.waitFor()
      expect(await verdict.textContent()).toMatch(/matches the schema Parley expects/)
      await screenshot(page, 'health')
    })

    it('lists a drifted database’s problems with each word whole, and the browser gets its icon', async () => {
      const { page } = browser
      const index = 'conversation_sessions_metadata_idx'
      const [{ indexdef }] = (await database.query<{ indexdef: string }>('select indexdef from pg_indexes where indexname = $1', [index])).rows as [{ indexdef: string }]
      await database.query(`drop index ${index}`)
      try {
        for (const width of [1280, 900, 390]) {
          await page.setViewportSize({ width, height: 860 })
          await page.goto('about:blank')
          await page.goto(`${base}/#/health`)
          const row = page.locator('table.problems tr', { hasText: index })
          await row.waitFor()
          const found = row.locator('td').nth(4)
          expect(await found.textContent()).toBe('nothing')
          // One line box for the word: "nothing", never "nothin" over "g".
          const lines = await found.evaluate((cell) => {
            const range = document.createRange()
            range.selectNodeContents(cell)
            return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size
          })
          expect(lines, `at ${width} px`).toBe(1)
          // A wide table scrolls in its box; the page itself does not.
          expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `at ${width} px`).toBeLessThanOrEqual(0)
          await screenshot(page, `health-drift-${width}`)
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 })
        await database.query(indexdef)
      }
      const icon = await page.evaluate(async () => {
        const link = document.querySelector<HTMLLinkElement>('link[rel=icon]')!
        const response = await fetch(link.href)
        return { path: new URL(link.href).pathname, status: response.status, type: response.headers.get('content-type') }
      })
      expect(icon).toEqual({ path: '/favicon.ico', status: 200, type: expect.stringMatching(/^image\/svg\+xml/) })
    })

    it('renders a 2,000-turn transcript a window at a time and jumps to a linked turn', async () => {
      const { page } = browser
      await page.goto(`${base}/#/sessions/${seeded.long}`)
      await page.locator('article.turn').first().waitFor()
      expect(await page.getByTestId('message-count').textContent()).toBe(String(LONG_TURNS))
      const drawn = await page.locator('article.turn').count()
      expect(drawn).toBeGreaterThan(3)
      expect(drawn).toBeLessThan(60)
      // A link to turn 1,500 opens with that turn drawn and marked.
      await page.goto(`${base}/#/sessions/${seeded.long}?turn=${seeded.longTurns[1500]}`)
      const focused = page.locator('article.turn.focused')
      await focused.waitFor()
      expect(await focused.textContent()).toContain('Turn number 1500')
      expect(await focused.isVisible()).toBe(true)
      expect(await page.locator('article.turn').count()).toBeLessThan(60)
    })

    it('fits a phone-width screen', async () => {
      const { page } = browser
      await page.setViewportSize({ width: 390, height: 844 })
      try {
        for (const view of ['#/sessions', `#/sessions/${seeded.weather}`, '#/stats']) {
          await page.goto(`${base}/${view}`)
          await page.locator('h1').waitFor()
          await page.waitForLoadState('networkidle')
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
          expect(overflow, view).toBeLessThanOrEqual(0)
        }
        await page.goto(`${base}/#/sessions/${seeded.weather}`)
        await page.locator('article.turn').first().waitFor()
        await screenshot(page, 'phone-session')
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 })
      }
    })

    it('signs out, forgetting the key; a key that sees no sessions gets an empty state that says what to do', async () => {
      const { page } = browser
      await page.goto(`${base}/#/sessions`)
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByLabel('API key').waitFor()
      expect(await page.evaluate(() => sessionStorage.getItem('parley.apiKey'))).toBeNull()
      await signIn(lonelyKey)
      const empty = page.locator('.empty')
      await empty.waitFor()
      expect(await empty.textContent()).toBe(`No sessions yet — run npx parley demo --server ${base} --key <ingest key> to record one.`)
      await screenshot(page, 'empty')
    })

    it('asked nothing of any server but Parley (no fonts, scripts or beacons from elsewhere)', () => {
      const elsewhere = browser.requests.filter((url) => !url.startsWith(`${base}/`) && !/^(about|data|blob):/.test(url))
      expect(browser.requests.length).toBeGreaterThan(20)
      expect(elsewhere).toEqual([])
    })
  })
})
