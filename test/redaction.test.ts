// Redaction at ingest: what it finds, what it leaves, and that neither the
// stored content nor the search index ever holds a redacted value.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ParleyClient } from '../src/client/index.js'
import { redactFromEnv } from '../src/cli/commands/serve.js'
import { main } from '../src/cli/main.js'
import type { Database } from '../src/db/database.js'
import { ValidationError } from '../src/model/errors.js'
import { DEFAULT_LIMITS } from '../src/model/limits.js'
import { REDACT_KINDS } from '../src/model/redact.js'
import { createRedactor, luhnValid, redactMessages, type Redactor } from '../src/tracker/redaction.js'
import { createTracker, type Tracker } from '../src/tracker/tracker.js'
import { liveServer } from './client/support.js'
import { describeEachBackend } from './support/backends.js'
import { captureContext } from './support/cli.js'

const CARD = '4242 4242 4242 4242'
const SPOKEN_CARD = 'four two four two four two four two four two four two four two four two'
const SPOKEN_PHONE = 'five five five one two three four'

describe('the redactor', () => {
  let redactor: Redactor
  beforeAll(async () => {
    redactor = (await createRedactor([...REDACT_KINDS]))!
  })

  it.each([
    ['email', 'write to jane.doe@example.com, thanks', 'write to [email], thanks'],
    ['phone', 'call me on +1 415 555 0132 or (415) 555-0132.', 'call me on [phone] or [phone].'],
    ['card', `card ${CARD} and 4111111111111111 and 3782-822463-10005`, 'card [card] and [card] and [card]'],
    ['ip', 'from 192.168.1.20 and 2001:db8::1 today', 'from [ip] and [ip] today'],
  ] as const)('replaces each %s with its placeholder and names the kind', (kind, text, expected) => {
    expect(redactor.redact(text)).toEqual({ text: expected, redacted: [kind] })
  })

  it('leaves order ids and long digit runs that fail the Luhn checksum alone', () => {
    for (const text of [
      'order 4242 4242 4242 4241 shipped',
      'order 1234567890123456 ref 98765432109876',
      'tracking 1Z999AA10123456784, invoice 20240512-0042',
      'it costs $1,299.00 on 2024-05-12 at 12:30',
    ]) {
      expect(redactor.redact(text)).toEqual({ text, redacted: [] })
    }
    expect(luhnValid('4242424242424242')).toBe(true)
    expect(luhnValid('4242424242424241')).toBe(false)
  })

  it('catches card and phone numbers spoken as words, and replaces the spoken span', () => {
    expect(redactor.redact(`my card is ${SPOKEN_CARD}, expiry soon`)).toEqual({ text: 'my card is [card], expiry soon', redacted: ['card'] })
    expect(redactor.redact(`Call ${SPOKEN_PHONE} please`)).toEqual({ text: 'Call [phone] please', redacted: ['phone'] })
    expect(redactor.redact('it is four one five, five five five, oh one three two')).toEqual({ text: 'it is [phone]', redacted: ['phone'] })
    expect(redactor.redact('Four Two 4242 four two four two 4242 four two four two')).toEqual({ text: '[card]', redacted: ['card'] })
    expect(redactor.redact('double five five, one two three four')).toEqual({ text: '[phone]', redacted: ['phone'] })
    // A spoken sixteen-digit number that fails Luhn is neither a card nor (at over 15 digits) a phone.
    const order = 'order one two three four five six seven eight nine zero one two three four five six'
    expect(redactor.redact(order)).toEqual({ text: order, redacted: [] })
    for (const text of ['I have two kids and three dogs', 'one or two, maybe three', 'oh, one more thing']) {
      expect(redactor.redact(text)).toEqual({ text, redacted: [] })
    }
  })

  it('redacts only the kinds asked for', async () => {
    const cardsOnly = (await createRedactor(['card']))!
    const text = `mail jane@example.com, card ${CARD}, call ${SPOKEN_PHONE}`
    expect(cardsOnly.redact(text)).toEqual({ text: `mail jane@example.com, card [card], call ${SPOKEN_PHONE}`, redacted: ['card'] })
    const phonesOnly = (await createRedactor(['phone']))!
    expect(phonesOnly.mask(`card ${SPOKEN_CARD}, call ${SPOKEN_PHONE}`)).toBe(`card ${SPOKEN_CARD}, call [phone]`)
  })

  it('places spans right in text with characters of more than one byte', () => {
    expect(redactor.redact('héllo 😀 call 415-555-0132 or mail zoë@example.com — ✅')).toEqual({
      text: 'héllo 😀 call [phone] or mail [email] — ✅',
      redacted: ['email', 'phone'],
    })
  })

  it('records the kinds in metadata, keeping what was there, and leaves clean and malformed messages as they are', () => {
    const sessionId = uuidv7()
    const clean = { sessionId, role: 'user', content: 'nothing here' } as const
    const [redacted, untouched, noContent] = redactMessages(
      redactor,
      [{ sessionId, role: 'user', content: `card ${CARD}`, metadata: { turn: 3, redacted: ['email'] } }, clean, { sessionId, role: 'user' } as never],
      DEFAULT_LIMITS,
    )
    expect(redacted).toEqual({ sessionId, role: 'user', content: 'card [card]', metadata: { turn: 3, redacted: ['email', 'card'] } })
    expect(untouched).toBe(clean)
    expect(noContent).toEqual({ sessionId, role: 'user' })
  })

  it('refuses a kind it does not know, naming the setting', async () => {
    await expect(createRedactor(['email', 'passport'])).rejects.toThrow(ValidationError)
    await expect(createRedactor(['email', 'passport'])).rejects.toMatchObject({ field: 'redact', message: expect.stringContaining('"passport"') })
    await expect(createRedactor('email')).rejects.toMatchObject({ field: 'redact' })
    await expect(createTracker({ database: 'memory:', redact: ['ssn' as never] })).rejects.toMatchObject({ field: 'redact' })
    expect(await createRedactor([])).toBeNull()
  })

  it('reads PARLEY_REDACT as a comma list and names the variable when a kind is unknown', () => {
    expect(redactFromEnv('email, phone,card,,')).toEqual(['email', 'phone', 'card'])
    expect(() => redactFromEnv('email,cc')).toThrow(expect.objectContaining({ field: 'PARLEY_REDACT' }))
  })
})

describeEachBackend('redaction at ingest', (backend) => {
  let database: Database
  let redacting: Tracker
  let plain: Tracker
  beforeAll(async () => {
    database = await backend.migratedDatabase()
    redacting = await createTracker({ database, redact: ['email', 'phone', 'card', 'ip'] })
    plain = await createTracker({ database })
  })
  afterAll(async () => {
    await redacting?.close()
    await plain?.close()
  })

  const storedRows = async (sessionId: string) =>
    (await database.query<{ content: string; metadata: Record<string, unknown> }>('select content, metadata from conversation_messages where session_id = $1 order by seq', [sessionId])).rows

  it('stores each kind replaced, lists the kinds in metadata, and search finds none of the values', async () => {
    const userId = uuidv7()
    const { sessionId } = await redacting.startSession({ userId })
    const turns = [
      { content: 'you can reach me at jane.doe@example.com zebra', kinds: ['email'] },
      { content: 'my number is 415-555-0132 zebra', kinds: ['phone'] },
      { content: `the card is ${CARD} zebra`, kinds: ['card'] },
      { content: 'the router is at 192.168.1.20 zebra', kinds: ['ip'] },
      { content: `card ${SPOKEN_CARD} and phone ${SPOKEN_PHONE} zebra`, kinds: ['phone', 'card'] },
      { content: 'order 1234567890123456 zebra', kinds: [] },
    ]
    const stored = await redacting.addMessages(turns.map(({ content }) => ({ sessionId, role: 'user', content, metadata: { channel: 'voice' } })))
    expect(stored.map((message) => message.content)).toEqual([
      'you can reach me at [email] zebra',
      'my number is [phone] zebra',
      'the card is [card] zebra',
      'the router is at [ip] zebra',
      'card [card] and phone [phone] zebra',
      'order 1234567890123456 zebra',
    ])
    const rows = await storedRows(sessionId)
    expect(rows.map((row) => row.content)).toEqual(stored.map((message) => message.content))
    expect(rows.map((row) => row.metadata)).toEqual(
      turns.map(({ kinds }) => (kinds.length ? { channel: 'voice', redacted: kinds } : { channel: 'voice' })),
    )
    expect(JSON.stringify(rows)).not.toMatch(/jane|415|4242|192\.168|five five/)

    for (const q of ['jane.doe@example.com', 'example.com', '415-555-0132', '4242', '192.168.1.20', 'five', '"four two"']) {
      expect((await redacting.search({ q, userId })).hits, q).toEqual([])
    }
    expect((await redacting.search({ q: '1234567890123456', userId })).hits).toHaveLength(1)
    const hits = (await redacting.search({ q: 'zebra', userId, limit: 100 })).hits
    expect(hits).toHaveLength(6)
    // Only the text: ids are random hex and may hold any digits.
    const visibleText = hits.map((hit) => [hit.message.content, ...hit.snippet.map((part) => part.text)].join(' '))
    expect(visibleText.join(' ')).not.toMatch(/jane|415|4242|192\.168/)
  })

  it('stores nothing twice when a redacted message is retried with its id', async () => {
    const { sessionId } = await redacting.startSession({})
    const id = uuidv7()
    const first = await redacting.addMessage({ sessionId, id, role: 'user', content: `card ${CARD}` })
    const again = await redacting.addMessage({ sessionId, id, role: 'user', content: `card ${CARD}` })
    expect(again).toEqual(first)
    expect(await storedRows(sessionId)).toHaveLength(1)
  })

  it('is off by default: content and metadata are stored as given and search finds them', async () => {
    const userId = uuidv7()
    const { sessionId } = await plain.startSession({ userId })
    const content = `mail jane@example.com card ${CARD} call ${SPOKEN_PHONE}`
    const stored = await plain.addMessage({ sessionId, role: 'user', content })
    expect(stored.content).toBe(content)
    expect((await storedRows(sessionId))[0]).toEqual({ content, metadata: {} })
    expect((await plain.search({ q: 'jane@example.com', userId })).hits).toHaveLength(1)
  })

  describe('the SDK mask hook', () => {
    const server = liveServer(backend)

    it('cleans content before it leaves the process, with the server’s rules, recording the kinds', async () => {
      const redactor = (await createRedactor(['card', 'phone']))!
      const sent: string[] = []
      const parley = new ParleyClient({
        baseUrl: server.baseUrl,
        apiKey: server.adminKey,
        mask: redactor.redact,
        fetch: (url, init) => {
          if (typeof init.body === 'string') sent.push(init.body)
          return fetch(url, init)
        },
      })
      const { sessionId } = await parley.startSession({})
      const message = await parley.addMessage({ sessionId, role: 'user', content: `card ${SPOKEN_CARD}`, metadata: { turn: 1 } })
      expect(message).toMatchObject({ content: 'card [card]', metadata: { turn: 1, redacted: ['card'] } })
      const plainMask = new ParleyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey, mask: redactor.mask })
      expect((await plainMask.addMessage({ sessionId, role: 'user', content: `call ${SPOKEN_PHONE}` })).content).toBe('call [phone]')
      expect(sent.join('\n')).not.toMatch(/four two/)
      await parley.shutdown()
      await plainMask.shutdown()
    })

    it('refuses a mask that is not a function or returns something else, naming mask', async () => {
      expect(() => new ParleyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey, mask: 'card' as never })).toThrow(
        expect.objectContaining({ field: 'mask' }),
      )
      const broken = new ParleyClient({ baseUrl: server.baseUrl, apiKey: server.adminKey, mask: (() => 42) as never })
      await expect(broken.addMessage({ sessionId: uuidv7(), role: 'user', content: 'hi' })).rejects.toMatchObject({ field: 'mask' })
      await broken.shutdown()
    })
  })
})

describeEachBackend('redaction of imports', (backend) => {
  it('parley import redacts as the tracker does (PARLEY_REDACT), so an import is no way around it', async () => {
    const url = await backend.freshUrl()
    const migrated = captureContext()
    expect(await main(['--database-url', url, 'migrate'], migrated), migrated.err()).toBe(0)
    const dir = mkdtempSync(join(tmpdir(), 'parley-redact-import-'))
    const file = join(dir, 'chat.json')
    writeFileSync(
      file,
      JSON.stringify([
        { role: 'user', content: 'Mail me at jane.doe@example.com, card 4242 4242 4242 4242' },
        { role: 'assistant', content: 'Noted, order 12345678 is on its way.' },
      ]),
    )
    const context = captureContext({ PARLEY_REDACT: 'email,card' })
    expect(await main(['--database-url', url, 'import', '--from', 'openai-chat', file], context), context.err()).toBe(0)
    const tracker = await createTracker({ database: url })
    try {
      const [session] = (await tracker.listSessions()).sessions
      const messages = await tracker.listMessages(session!.sessionId)
      expect(messages.map((message) => message.content)).toEqual(['Mail me at [email], card [card]', 'Noted, order 12345678 is on its way.'])
      expect(messages[0]!.metadata.redacted).toEqual(['email', 'card'])
      expect(messages[1]!.metadata.redacted).toBeUndefined()
      expect((await tracker.search({ q: 'jane.doe' })).hits).toEqual([])
    } finally {
      await tracker.close()
    }
  })
})
