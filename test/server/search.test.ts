// GET /v1/search: full-text search over message content, by the GIN index, with snippets as data.
import { beforeAll, expect, it } from 'vitest'
import { ParleyClient } from '../../src/client/index.js'
import { searchMessages } from '../../src/queries/search.sql.js'
import { describeEachBackend } from '../support/backends.js'
import { plusSeconds, seedSession } from './dashboard-seed.js'
import { expectError, expectFieldError, serverFixture, uuidv4 } from './support.js'

const START = '2026-04-10T12:00:00.000Z'

// A word no other test writes, so that each test sees only its own hits.
const uniqueWord = () => `w${uuidv4().replaceAll('-', '').slice(0, 12)}`

type Hit = { message: Record<string, any>; session_id: string; snippet: Array<{ text: string; match: boolean }> }

describeEachBackend('search', (backend) => {
  const server = serverFixture(backend)
  let baseUrl: string
  beforeAll(async () => {
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' })
  })

  const search = async (query: Record<string, string>, key = server.keys.read) => {
    const response = await server.call('GET', `/v1/search?${new URLSearchParams(query)}`, { key })
    expect(response.statusCode, response.body).toBe(200)
    return response.data as { hits: Hit[]; next_cursor: string | null }
  }
  const matched = (hit: Hit) => hit.snippet.filter((segment) => segment.match).map((segment) => segment.text)
  const snippetText = (hit: Hit) => hit.snippet.map((segment) => segment.text).join('')

  it('finds messages by their words, newest first, with the matches marked in the snippet', async () => {
    const word = uniqueWord()
    const sessionId = await seedSession(server.tracker, {
      startedAt: START,
      turns: [
        { role: 'user', content: `Is the ${word} open on Sundays?` },
        { role: 'assistant', content: 'It opens at ten.' },
        { role: 'user', content: `And the ${word.toUpperCase()} café next door?` },
      ],
    })
    const { hits, next_cursor } = await search({ q: word })
    expect(next_cursor).toBeNull()
    expect(hits.map((hit) => hit.message.content)).toEqual([`And the ${word.toUpperCase()} café next door?`, `Is the ${word} open on Sundays?`])
    expect(hits[0]!.session_id).toBe(sessionId)
    expect(hits[0]!.message).toMatchObject({ session_id: sessionId, role: 'user', created_at: plusSeconds(START, 3) })
    expect(hits[0]!.message.seq).toBeGreaterThan(hits[1]!.message.seq)
    expect(hits[1]!.snippet).toEqual([
      { text: 'Is the ', match: false },
      { text: word, match: true },
      { text: ' open on Sundays?', match: false },
    ])
    expect(matched(hits[0]!)).toEqual([word.toUpperCase()])
  })

  it('understands web search syntax: phrases, or, and excluded words', async () => {
    const word = uniqueWord()
    await seedSession(server.tracker, {
      startedAt: START,
      turns: [
        { role: 'user', content: `${word} red apple` },
        { role: 'user', content: `${word} apple red` },
        { role: 'user', content: `${word} green pear` },
      ],
    })
    const contents = async (q: string) => (await search({ q })).hits.map((hit) => hit.message.content).sort()
    expect(await contents(`${word} "red apple"`)).toEqual([`${word} red apple`])
    expect(await contents(`${word} -red`)).toEqual([`${word} green pear`])
    expect(await contents(`${word} pear or apple`)).toHaveLength(3)
    expect(await contents(`${word} banana`)).toEqual([])
  })

  it('filters by user, role and time, and pages with next_cursor', async () => {
    const word = uniqueWord()
    const alice = uuidv4()
    const bob = uuidv4()
    await seedSession(server.tracker, {
      userId: alice,
      startedAt: START,
      turns: [1, 2, 3, 4, 5].map((n) => ({ role: n % 2 ? ('user' as const) : ('assistant' as const), content: `${word} turn ${n}`, at: plusSeconds(START, n * 60) })),
    })
    await seedSession(server.tracker, { userId: bob, startedAt: START, turns: [{ role: 'user', content: `${word} from bob`, at: plusSeconds(START, 30) }] })

    const contents = async (query: Record<string, string>) => (await search({ q: word, ...query })).hits.map((hit) => hit.message.content)
    expect(await contents({ user_id: bob })).toEqual([`${word} from bob`])
    expect(await contents({ user_id: alice, role: 'assistant' })).toEqual([`${word} turn 4`, `${word} turn 2`])
    expect(await contents({ from: plusSeconds(START, 120), to: plusSeconds(START, 240) })).toEqual([`${word} turn 3`, `${word} turn 2`])

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await search({ q: word, limit: '2', ...(cursor && { cursor }) })
      seen.push(...page.hits.map((hit) => hit.message.content))
      cursor = page.next_cursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual([5, 4, 3, 2, 1].map((n) => `${word} turn ${n}`).concat(`${word} from bob`))
  })

  it('marks matches by data only: tags in the content are dropped from snippets, lone brackets stay, markers cannot be forged', async () => {
    const word = uniqueWord()
    await seedSession(server.tracker, {
      startedAt: START,
      turns: [{ role: 'user', content: `<script>alert(1)</script> if a < b then the ${word} \uE000costs\uE001 <b>5</b>` }],
    })
    const [hit] = (await search({ q: word })).hits
    expect(hit!.message.content).toContain('<script>')
    expect(matched(hit!)).toEqual([word])
    const text = snippetText(hit!)
    expect(text).not.toMatch(/<script>|<b>|[\uE000\uE001]/)
    expect(text).toContain('if a < b then the')
    expect(text).toContain('costs')
  })

  it('keeps a user-bound key to its own user’s messages', async () => {
    const word = uniqueWord()
    await seedSession(server.tracker, { userId: server.user, startedAt: START, turns: [{ role: 'user', content: `${word} mine` }] })
    await seedSession(server.tracker, { userId: uuidv4(), startedAt: START, turns: [{ role: 'user', content: `${word} theirs` }] })
    expect((await search({ q: word }, server.keys.userRead)).hits.map((hit) => hit.message.content)).toEqual([`${word} mine`])
    expect((await search({ q: word }, server.keys.read)).hits).toHaveLength(2)
    const other = await server.call('GET', `/v1/search?q=${word}&user_id=${uuidv4()}`, { key: server.keys.userRead })
    expectError(other, 403, 'USER_MISMATCH')
  })

  it('answers 400 naming the field for an empty q, a bad role, limit or cursor; 401 without a key', async () => {
    const get = (query: string) => server.call('GET', `/v1/search?${query}`, { key: server.keys.read })
    expectFieldError(await get('q='), 'q')
    expectFieldError(await get('q=%20%20'), 'q')
    expectFieldError(await get(''), 'q', 'querystring')
    expectFieldError(await get('q=hi&role=bot'), 'role', 'querystring')
    expectFieldError(await get('q=hi&limit=0'), 'limit')
    expectFieldError(await get('q=hi&limit=101'), 'limit')
    expectFieldError(await get('q=hi&cursor=nonsense'), 'cursor')
    expectError(await server.call('GET', '/v1/search?q=hi', { key: null }), 401, 'UNAUTHORIZED')
  })

  it('the SDK searches with camelCase options and results', async () => {
    const word = uniqueWord()
    const sessionId = await seedSession(server.tracker, {
      startedAt: START,
      turns: [
        { role: 'user', content: `${word} please` },
        { role: 'assistant', content: `${word} done` },
      ],
    })
    const parley = new ParleyClient({ baseUrl, apiKey: server.keys.read })
    const page = await parley.search({ q: word, role: 'assistant', from: START, limit: 5 })
    expect(page.nextCursor).toBeNull()
    expect(page.hits).toHaveLength(1)
    expect(page.hits[0]).toMatchObject({ sessionId, message: { sessionId, role: 'assistant', content: `${word} done` } })
    expect(page.hits[0]!.message.createdAt).toEqual(new Date(plusSeconds(START, 2)))
    expect(page.hits[0]!.snippet).toEqual([
      { text: word, match: true },
      { text: ' done', match: false },
    ])
    await parley.shutdown()
  })

  it('uses the GIN index on a table of thousands of messages', async () => {
    const word = uniqueWord()
    const vocabulary = ['weather', 'booking', 'table', 'tomorrow', 'please', 'thanks', 'price', 'delivery', 'order', 'refund']
    for (let batch = 0; batch < 8; batch++) {
      const sessionId = await seedSession(server.tracker, { startedAt: START })
      await server.tracker.addMessages(
        Array.from({ length: 500 }, (_, index) => ({
          sessionId,
          role: index % 2 ? ('assistant' as const) : ('user' as const),
          content: `${vocabulary[index % 10]} ${vocabulary[(index * 7) % 10]} number ${batch * 500 + index}${index === 250 ? ` ${word}` : ''}`,
        })),
      )
    }
    await server.database.query('analyze conversation_messages')
    const params = [word, null, null, null, null, null, null, 21, '\uE000', '\uE001', '']
    const { rows } = await server.database.query<{ 'QUERY PLAN': string }>(`explain ${searchMessages}`, params)
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n')
    expect(plan, plan).toContain('conversation_messages_content_search_idx')
    expect(plan, plan).not.toMatch(/Seq Scan on conversation_messages/)
    expect((await search({ q: word })).hits).toHaveLength(8)

    // The check can fail: without the index (dropped in a transaction that is rolled back) the same query scans the table.
    const rolledBack = new Error('roll back')
    const planWithout = await server.database
      .transaction(async (tx) => {
        await tx.query('drop index conversation_messages_content_search_idx')
        const { rows: without } = await tx.query<{ 'QUERY PLAN': string }>(`explain ${searchMessages}`, params)
        throw Object.assign(rolledBack, { plan: without.map((row) => row['QUERY PLAN']).join('\n') })
      })
      .catch((error: Error & { plan?: string }) => {
        if (error !== rolledBack) throw error
        return error.plan!
      })
    expect(planWithout, planWithout).toMatch(/Seq Scan on conversation_messages/)
    expect((await server.database.query("select 1 from pg_indexes where indexname = 'conversation_messages_content_search_idx'")).rows).toHaveLength(1)
  })
})
