// The `openai` and `vercel-ui` exports read by their real consumers: the `ai`
// package's validateUIMessages and convertToModelMessages, and the `openai`
// package's ChatCompletionMessageParam type. Runs on every OpenAI chat and
// Vercel UI fixture under test/fixtures/import/ and test/fixtures/real/ (a file
// added there is checked too) and on sessions written through the tracker.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { convertToModelMessages, validateUIMessages, type ModelMessage, type UIMessage } from 'ai'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportFormat } from '../../src/export/formats/index.js'
import type { OpenAIChatMessage } from '../../src/export/formats/openai.js'
import { oneSession, readSession } from '../../src/tracker/session-reads.js'
import { importSessions, parseImportFile, type ImportedSession, type Platform } from '../../src/import/index.js'
import { detectPlatform } from '../../src/import/reader.js'
import { createTracker, type Tracker } from '../../src/tracker/tracker.js'
import type { AddMessageInput } from '../../src/model/types.js'
import { describeEachBackend } from '../support/backends.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURE_DIRS = ['test/fixtures/import', 'test/fixtures/real'].map((dir) => join(root, dir))

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The messages of a chat payload: the array itself, or `{messages: [...]}` (a request body, a Vercel chat). */
function chatList(payload: unknown): Json[] | undefined {
  const list = Array.isArray(payload) ? payload : isObject(payload) && Array.isArray(payload.messages) ? payload.messages : undefined
  return list && list.length > 0 && list.every((item) => isObject(item) && typeof item.role === 'string') ? (list as Json[]) : undefined
}

const OPENAI_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool'])

/** Which of the two chat sources a payload is, by its shape (other platforms' payloads are neither). */
function chatKind(payload: unknown): 'openai-chat' | 'vercel-ui' | undefined {
  const list = chatList(payload)
  if (!list) return undefined
  if (list.every((item) => Array.isArray(item.parts) && typeof item.id === 'string')) return 'vercel-ui'
  if (list.every((item) => !('parts' in item) && OPENAI_ROLES.has(item.role as string) && ('content' in item || 'tool_calls' in item))) return 'openai-chat'
  return undefined
}

function jsonFiles(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return jsonFiles(path)
    return name.endsWith('.json') ? [path] : []
  })
}

interface Fixture {
  name: string
  path: string
  kind: 'openai-chat' | 'vercel-ui'
  payload: unknown
}

const fixtures: Fixture[] = FIXTURE_DIRS.flatMap(jsonFiles).flatMap((path) => {
  const payload = JSON.parse(readFileSync(path, 'utf8')) as unknown
  const kind = chatKind(payload)
  return kind ? [{ name: relative(root, path), path, kind, payload }] : []
})

/** Every real capture that is not a chat (Vapi, Retell, ElevenLabs, LiveKit, Realtime): its export is read by the same consumers. */
const voiceCaptures = jsonFiles(FIXTURE_DIRS[1]!).flatMap((path) => {
  const payload = JSON.parse(readFileSync(path, 'utf8')) as unknown
  const platform = detectPlatform(payload)
  return chatKind(payload) || platform === null ? [] : [{ name: relative(root, path), path, platform }]
})

async function exportText(tracker: Tracker, sessionId: string, format: 'openai' | 'vercel-ui'): Promise<string> {
  const session = await readSession(tracker.database, sessionId)
  let text = ''
  // Pages of three: a turn's rows and a call's result often fall on different pages.
  for await (const chunk of exportFormat(format).encode(oneSession(tracker.database, session, 3))) text += chunk
  return text
}

/**
 * What the AI SDK makes of the export: it validates, and the model messages
 * name each call once, answer it at most once, after it, and hold no empty
 * tool message. Returns the model messages.
 */
async function checkWithAiSdk(messages: UIMessage[]): Promise<ModelMessage[]> {
  const validated = await validateUIMessages({ messages })
  const model = await convertToModelMessages(validated)
  const calls: string[] = []
  const results: string[] = []
  for (const message of model) {
    if (message.role === 'tool') {
      expect(message.content.length, 'an empty tool message').toBeGreaterThan(0)
      for (const part of message.content) {
        if (part.type !== 'tool-result') continue
        expect(calls, `result ${part.toolCallId} before its call`).toContain(part.toolCallId)
        results.push(part.toolCallId)
      }
    }
    if (message.role === 'assistant' && typeof message.content !== 'string') {
      for (const part of message.content) if (part.type === 'tool-call') calls.push(part.toolCallId)
    }
  }
  expect(new Set(calls).size, `repeated toolCallId in ${JSON.stringify(calls)}`).toBe(calls.length)
  expect(new Set(results).size, `repeated tool result in ${JSON.stringify(results)}`).toBe(results.length)
  const toolParts = messages.flatMap((message) => message.parts).filter((part) => part.type === 'dynamic-tool' || part.type.startsWith('tool-'))
  expect(calls).toHaveLength(toolParts.length)
  return model
}

// The fields ChatCompletionMessageParam allows for each role that the export writes (the types are checked by tsc below).
const CHAT_KEYS: Record<string, string[]> = {
  system: ['role', 'content'],
  developer: ['role', 'content'],
  user: ['role', 'content'],
  assistant: ['role', 'content', 'tool_calls'],
  tool: ['role', 'content', 'tool_call_id'],
}

/** An OpenAI messages array a Chat Completions request takes: each call once, each result answering an earlier call. */
function checkChatMessages(messages: OpenAIChatMessage[]): void {
  const calls: string[] = []
  for (const message of messages) {
    expect(CHAT_KEYS[message.role], `role ${message.role}`).toBeDefined()
    expect(Object.keys(message).every((key) => CHAT_KEYS[message.role]!.includes(key)), JSON.stringify(message)).toBe(true)
    if (message.role === 'assistant') {
      expect(message.content !== null || (message.tool_calls?.length ?? 0) > 0, 'an assistant message with neither content nor tool_calls').toBe(true)
      for (const call of message.tool_calls ?? []) {
        expect(call).toEqual({ id: expect.any(String), type: 'function', function: { name: expect.any(String), arguments: expect.any(String) } })
        calls.push(call.id)
      }
    } else {
      expect(typeof message.content).toBe('string')
    }
    if (message.role === 'tool') expect(calls).toContain(message.tool_call_id)
  }
  expect(new Set(calls).size).toBe(calls.length)
}

/** The text of a content that is a string or an array of text parts, as the OpenAI chat importer reads it. */
function contentText(content: unknown): string | null {
  if (content === null || content === undefined) return null
  if (typeof content === 'string') return content
  return (content as Json[])
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n')
}

/**
 * A chat message reduced to what a model reads of it: role, text, calls and
 * the call a result answers. `name` and `refusal: null` are dropped, parts
 * become their text, and an assistant turn's `content: ""` beside tool calls
 * is the same as `null` (both: no text).
 */
function modelView(message: Json): Json {
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : []
  const content = contentText(message.content)
  return {
    role: message.role,
    content: calls.length > 0 && content === '' ? null : content,
    ...(calls.length > 0 && {
      tool_calls: calls.map((call) => {
        const fn = call.function as Json
        return { id: call.id, type: call.type ?? 'function', function: { name: fn.name, arguments: fn.arguments ?? '' } }
      }),
    }),
    ...(message.role === 'tool' && { tool_call_id: message.tool_call_id }),
  }
}

/** Every tool part of a UI message list by call id: what a model would read of it. */
function toolParts(messages: Json[]): Map<string, Json> {
  const parts = new Map<string, Json>()
  for (const message of messages) {
    for (const part of message.parts as Json[]) {
      const type = part.type as string
      if (type !== 'dynamic-tool' && !type.startsWith('tool-')) continue
      const output = part.output === undefined ? undefined : typeof part.output === 'string' ? part.output : JSON.stringify(part.output)
      parts.set(part.toolCallId as string, {
        toolName: type === 'dynamic-tool' ? part.toolName : type.slice('tool-'.length),
        state: part.state,
        input: part.input,
        ...(output !== undefined && { output }),
        ...(part.errorText !== undefined && { errorText: part.errorText }),
      })
    }
  }
  return parts
}

describe('fixtures the consumer checks run on', () => {
  it('finds the OpenAI chat and Vercel UI sources by their shape', () => {
    const names = fixtures.map((fixture) => [fixture.name, fixture.kind])
    expect(names).toEqual(expect.arrayContaining([
      ['test/fixtures/import/openai-chat-messages.json', 'openai-chat'],
      ['test/fixtures/import/vercel-ui-chat.json', 'vercel-ui'],
    ]))
    // Other platforms' payloads are not mistaken for chats.
    expect(names.map(([name]) => name).filter((name) => /vapi|retell|elevenlabs|livekit|realtime|parley-export/.test(name!))).toEqual([])
  })
})

describeEachBackend('openai and vercel-ui exports read by the openai and ai packages', (backend) => {
  let tracker: Tracker
  const imported = new Map<string, ImportedSession>()

  beforeAll(async () => {
    tracker = await createTracker({ database: await backend.migratedDatabase() })
    for (const fixture of fixtures) {
      const [session] = await parseImportFile(fixture.kind as Platform, fixture.path)
      const summary = await importSessions(tracker.database, [session!], { path: fixture.path })
      expect(summary.failures).toEqual([])
      imported.set(fixture.name, session!)
    }
  })
  afterAll(async () => {
    await tracker?.close()
  })

  describe.each(fixtures.filter((fixture) => fixture.kind === 'openai-chat'))('OpenAI chat $name', (fixture) => {
    it('exports exactly the source messages, as ChatCompletionMessageParam[]', async () => {
      const exported = JSON.parse(await exportText(tracker, imported.get(fixture.name)!.session.sessionId, 'openai')) as OpenAIChatMessage[]
      checkChatMessages(exported)
      expect(exported.map((message) => modelView(message as unknown as Json))).toEqual(chatList(fixture.payload)!.map(modelView))
    })
  })

  describe.each(fixtures.filter((fixture) => fixture.kind === 'vercel-ui'))('Vercel UI $name', (fixture) => {
    it('exports one UIMessage per source message with each tool part as the source had it', async () => {
      const exported = JSON.parse(await exportText(tracker, imported.get(fixture.name)!.session.sessionId, 'vercel-ui')) as Json[]
      const source = chatList(fixture.payload)!
      expect(exported.map((message) => message.role)).toEqual(source.map((message) => message.role))
      expect(toolParts(exported)).toEqual(toolParts(source))
    })

    it('exports OpenAI messages in which every call is answered once', async () => {
      checkChatMessages(JSON.parse(await exportText(tracker, imported.get(fixture.name)!.session.sessionId, 'openai')) as OpenAIChatMessage[])
    })
  })

  describe.each(fixtures)('$name as vercel-ui', (fixture) => {
    it('passes validateUIMessages, and convertToModelMessages repeats no toolCallId and writes no empty tool message', async () => {
      const exported = JSON.parse(await exportText(tracker, imported.get(fixture.name)!.session.sessionId, 'vercel-ui')) as UIMessage[]
      const model = await checkWithAiSdk(exported)
      const sourceCalls = [...imported.get(fixture.name)!.messages].filter((row) => (row.metadata.tool as Json | undefined)?.kind === 'call')
      const answered = model.flatMap((message) => (message.role === 'tool' ? message.content : [])).filter((part) => part.type === 'tool-result')
      // Every call of these sources has its result: each one is answered.
      expect(answered).toHaveLength(sourceCalls.length)
    })
  })

  describe.each(voiceCaptures)('real capture $name', (capture) => {
    it('exports as vercel-ui the AI SDK reads with each call once, and as openai a messages array with each result after its call', async () => {
      const sessions = await parseImportFile(capture.platform, capture.path)
      const summary = await importSessions(tracker.database, sessions, { path: capture.path })
      expect(summary.failures).toEqual([])
      for (const session of sessions) {
        const ui = JSON.parse(await exportText(tracker, session.session.sessionId, 'vercel-ui')) as UIMessage[]
        // A call that never connected has no turns: its export is empty, which the AI SDK does not validate.
        if (ui.length === 0) expect(session.messages).toEqual([])
        else await checkWithAiSdk(ui)
        const chat = JSON.parse(await exportText(tracker, session.session.sessionId, 'openai')) as OpenAIChatMessage[]
        checkChatMessages(chat)
        // Every call of the capture is in the export, once.
        const calls = session.messages.filter((row) => (row.metadata.tool as Json | undefined)?.kind === 'call')
        expect(chat.flatMap((message) => (message.role === 'assistant' ? (message.tool_calls ?? []) : []))).toHaveLength(calls.length)
      }
    })
  })

  describe('sessions written through the tracker', () => {
    const call = (id: string | null, name: string, args: unknown, content = `${name}(...)`): Omit<AddMessageInput, 'sessionId'> => ({
      role: 'tool',
      content,
      metadata: { tool: { kind: 'call', call_id: id, name, arguments: args } },
    })
    const result = (id: string | null, content: string, isError = false): Omit<AddMessageInput, 'sessionId'> => ({
      role: 'tool',
      content,
      metadata: { tool: { kind: 'result', call_id: id, ...(isError && { is_error: true }) } },
    })

    async function written(rows: Array<Omit<AddMessageInput, 'sessionId'>>): Promise<string> {
      const { sessionId } = await tracker.startSession({ startedAt: '2026-03-01T10:00:00Z' })
      await tracker.addMessages(rows.map((row, index) => ({ ...row, sessionId, createdAt: new Date(Date.UTC(2026, 2, 1, 10, 0, index)).toISOString() })))
      return sessionId
    }

    it('parallel calls, text before them, an error and results apart from their calls', async () => {
      const sessionId = await written([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Faro and Porto?' },
        { role: 'assistant', content: 'Checking both.' },
        call('c1', 'weather', '{"city":"Faro"}'),
        call('c2', 'weather', { city: 'Porto' }),
        result('c2', 'cloudy'),
        result('c1', 'timeout', true),
        { role: 'assistant', content: 'Porto is cloudy; Faro did not answer.' },
      ])
      const chat = JSON.parse(await exportText(tracker, sessionId, 'openai')) as OpenAIChatMessage[]
      checkChatMessages(chat)
      expect(chat).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Faro and Porto?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Faro"}' } },
            { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Porto"}' } },
          ],
        },
        { role: 'tool', content: 'cloudy', tool_call_id: 'c2' },
        { role: 'tool', content: 'timeout', tool_call_id: 'c1' },
        { role: 'assistant', content: 'Porto is cloudy; Faro did not answer.' },
      ])

      const ui = JSON.parse(await exportText(tracker, sessionId, 'vercel-ui')) as UIMessage[]
      expect(ui.map((message) => message.parts)).toEqual([
        [{ type: 'text', text: 'Be brief.' }],
        [{ type: 'text', text: 'Weather in Faro and Porto?' }],
        [{ type: 'text', text: 'Checking both.' }],
        [{ type: 'dynamic-tool', toolName: 'weather', toolCallId: 'c1', input: { city: 'Faro' }, state: 'output-error', errorText: 'timeout' }],
        [{ type: 'dynamic-tool', toolName: 'weather', toolCallId: 'c2', input: { city: 'Porto' }, state: 'output-available', output: 'cloudy' }],
        [{ type: 'text', text: 'Porto is cloudy; Faro did not answer.' }],
      ])
      const model = await checkWithAiSdk(ui)
      expect(model.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'assistant', 'tool', 'assistant', 'tool', 'assistant'])
    })

    it('a call with no result stays input-available, a result naming no call answers the oldest open one', async () => {
      const sessionId = await written([
        { role: 'user', content: 'Two lookups' },
        call('a1', 'lookup', '{"id":1}'),
        call(null, 'lookup', '{"id":2}'),
        result(null, 'one'),
        call('a3', 'lookup', 'not json'),
      ])
      const chat = JSON.parse(await exportText(tracker, sessionId, 'openai')) as OpenAIChatMessage[]
      checkChatMessages(chat)
      const calls = chat[1]!.role === 'assistant' ? chat[1]!.tool_calls! : []
      expect(calls.map((c) => c.id)).toEqual(['a1', expect.stringMatching(/^[0-9a-f-]{36}$/)])
      expect(chat[2]).toEqual({ role: 'tool', content: 'one', tool_call_id: 'a1' })
      expect(chat[3]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'a3', type: 'function', function: { name: 'lookup', arguments: 'not json' } }] })

      const ui = JSON.parse(await exportText(tracker, sessionId, 'vercel-ui')) as UIMessage[]
      const parts = ui.flatMap((message) => message.parts)
      expect(parts.map((part) => (part.type === 'dynamic-tool' ? [part.toolCallId === calls[1]!.id ? 'row id' : part.toolCallId, part.state] : part.type))).toEqual([
        'text',
        ['a1', 'output-available'],
        ['row id', 'input-available'],
        ['a3', 'input-available'],
      ])
      await checkWithAiSdk(ui)
      // What a model may be sent: the AI SDK's own option drops the calls that never got a result.
      const complete = await convertToModelMessages(ui, { ignoreIncompleteToolCalls: true })
      const sent = complete.flatMap((message): Array<{ type: string }> => (typeof message.content === 'string' ? [] : [...message.content]))
      expect(sent.filter((part) => part.type === 'tool-call')).toHaveLength(1)
    })

    it('a repeated call id or a result whose call is not there gets an id of its own', async () => {
      const sessionId = await written([call('d1', 'f', '{}'), result('d1', 'first'), call('d1', 'f', '{}'), result('d1', 'second'), result('d1', 'third')])
      const ui = JSON.parse(await exportText(tracker, sessionId, 'vercel-ui')) as UIMessage[]
      const parts = ui.flatMap((message) => message.parts).filter((part) => part.type === 'dynamic-tool')
      expect(parts.map((part) => ('output' in part ? part.output : undefined))).toEqual(['first', 'second', 'third'])
      expect(parts[0]!.toolCallId).toBe('d1')
      expect(new Set(parts.map((part) => part.toolCallId)).size).toBe(3)
      await checkWithAiSdk(ui)
    })
  })
})

describe('the export types, compiled by tsc', () => {
  it('OpenAIChatMessage[] is a ChatCompletionMessageParam[] and UIMessage[] an ai UIMessage[]; a shape openai refuses fails', () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile)
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
    // The control: the same check on a tool message without tool_call_id must not compile.
    const refused = join(root, 'test/export/consumer-types-refused.ts')
    const refusedText = [
      "import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'",
      "import { expectTypeOf } from 'vitest'",
      "expectTypeOf<{ role: 'tool'; content: string }>().toExtend<ChatCompletionMessageParam>()",
    ].join('\n')
    const host = ts.createCompilerHost(options)
    const { getSourceFile, fileExists } = host
    host.fileExists = (file) => file === refused || fileExists(file)
    host.getSourceFile = (file, language, ...rest) => (file === refused ? ts.createSourceFile(file, refusedText, language) : getSourceFile(file, language, ...rest))
    const checked = join(root, 'test/export/consumer-types.ts')
    const program = ts.createProgram([checked, refused], { ...options, noEmit: true }, host)
    const errors = (path: string) => ts.getPreEmitDiagnostics(program, program.getSourceFile(path)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    expect(errors(checked)).toEqual([])
    expect(errors(refused).length).toBeGreaterThan(0)
  })
})
