import { describe, expect, it } from 'vitest'
import { importedSessionId } from '../../src/import/ids.js'
import { describeEachBackend } from '../support/backends.js'
import { expectError, expectFieldError } from './support.js'
import { expectedRows, fixtureText, signElevenLabs, signRetell, signVapi, storedRows, webhookFixture, type WebhookFixture } from './webhooks-support.js'

type Json = Record<string, any>

const vapiReportText = fixtureText('real/vapi/2024-03-report-function-call.json')
const vapiReport = JSON.parse(vapiReportText) as Json
const vapiCallId = vapiReport.message.call.id as string
const vapiItems = vapiReport.message.messages as Json[]

/** What Vapi sends while the call of the real report was going on, built from its turns. */
function vapiLiveEvents(callId: string, items: Json[]): Json[] {
  const call = { id: callId }
  const events: Json[] = [{ message: { type: 'status-update', status: 'in-progress', call, timestamp: items[0]!.time } }]
  items.forEach((item, index) => {
    if (item.role === 'user' || item.role === 'bot') {
      const role = item.role === 'bot' ? 'assistant' : 'user'
      const at = item.endTime ?? item.time
      const words = String(item.message)
      events.push({ message: { type: 'transcript', role, transcriptType: 'partial', transcript: words.slice(0, 8), call, timestamp: at - 500 } })
      // The live final differs from the report's text in case and punctuation only, as transcribers do.
      events.push({ message: { type: 'transcript', role, transcriptType: 'final', transcript: words.toLowerCase().replace(/[.,!?]/g, ''), call, timestamp: at } })
    }
    events.push({ message: { type: 'conversation-update', call, messages: items.slice(0, index + 1), timestamp: (item.endTime ?? item.time) + 10 } })
  })
  return events
}

const bodyOf = (value: unknown) => JSON.stringify(value)

describeEachBackend('webhooks', (backend) => {
  const fixture: WebhookFixture = webhookFixture(backend)
  const sessionCount = async () => Number((await fixture.database.query<{ n: string }>('select count(*) as n from conversation_sessions')).rows[0]!.n)
  const messageCount = async () => Number((await fixture.database.query<{ n: string }>('select count(*) as n from conversation_messages')).rows[0]!.n)

  describe('signatures', () => {
    it('refuses a Vapi body whose signature does not match, outside the window, or unsigned, with a clear 401', async () => {
      const before = await messageCount()
      const tampered = signVapi(vapiReportText)
      tampered.body = vapiReportText.replace('Bonjour', 'Bonsoir')
      expect(expectError(await fixture.post('vapi', tampered), 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/does not match/)
      const replayed = signVapi(vapiReportText, Date.now() - 10 * 60_000)
      expect(expectError(await fixture.post('vapi', replayed), 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/accepted for 5 minutes/)
      expect(expectError(await fixture.post('vapi', signVapi(vapiReportText, Date.now(), 'another-secret')), 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/does not match/)
      expect(expectError(await fixture.post('vapi', { body: vapiReportText, headers: {} }), 401, 'WEBHOOK_SIGNATURE_INVALID').message).toMatch(/x-signature/)
      expectError(await fixture.post('vapi', { body: vapiReportText, headers: { 'x-vapi-secret': 'wrong' } }), 401, 'WEBHOOK_SIGNATURE_INVALID')
      expect(await messageCount()).toBe(before)
    })

    it('refuses Retell and ElevenLabs replays and forgeries', async () => {
      const retellText = fixtureText('import/retell-call-ended.json')
      expectError(await fixture.post('retell', signRetell(retellText, Date.now() - 6 * 60_000)), 401, 'WEBHOOK_SIGNATURE_INVALID')
      expectError(await fixture.post('retell', signRetell(retellText, Date.now(), 'key_other')), 401, 'WEBHOOK_SIGNATURE_INVALID')
      expectError(await fixture.post('retell', { body: retellText, headers: { 'x-retell-signature': 'sha256=abc' } }), 401, 'WEBHOOK_SIGNATURE_INVALID')
      const elevenText = fixtureText('real/elevenlabs/post-call-transcription-2025-11.json')
      expectError(await fixture.post('elevenlabs', signElevenLabs(elevenText, Date.now() - 31 * 60_000)), 401, 'WEBHOOK_SIGNATURE_INVALID')
      const forged = signElevenLabs(elevenText)
      forged.body = elevenText.replace('"agent_id"', '"agent_id" ')
      expectError(await fixture.post('elevenlabs', forged), 401, 'WEBHOOK_SIGNATURE_INVALID')
      expect(await sessionCount()).toBe(0)
    })

    it('accepts the legacy static x-vapi-secret', async () => {
      const ping = bodyOf({ message: { type: 'ping' } })
      const response = await fixture.post('vapi', { body: ping, headers: { 'x-vapi-secret': 'vapi-test-secret' } })
      expect(response.statusCode, response.body).toBe(200)
    })
  })

  describe('bodies', () => {
    it('answers a ping or an unknown event 200 and stores nothing', async () => {
      const sessions = await sessionCount()
      for (const [platform, body] of [
        ['vapi', { message: { type: 'speech-update', status: 'started', call: { id: 'x' } } }],
        ['retell', { event: 'ping' }],
        ['retell', { event: 'transcript_updated', call: { call_id: 'call_x' } }],
        ['elevenlabs', { type: 'post_call_audio', data: { conversation_id: 'conv_x', full_audio: 'AAAA' } }],
      ] as const) {
        const sign = platform === 'vapi' ? signVapi : platform === 'retell' ? signRetell : signElevenLabs
        const response = await fixture.post(platform, sign(bodyOf(body)))
        expect(response.statusCode, response.body).toBe(200)
        expect(response.data).toMatchObject({ ok: true, ignored: expect.any(String), added: 0 })
      }
      expect(await sessionCount()).toBe(sessions)
    })

    it('answers a malformed body 400 naming the field, stack-free', async () => {
      expectFieldError(await fixture.post('vapi', signVapi('{"message": ')), 'body')
      expectFieldError(await fixture.post('vapi', signVapi(bodyOf({ message: { type: 'end-of-call-report', call: {} } }))), 'message.call.id')
      expectFieldError(await fixture.post('retell', signRetell(bodyOf({ event: 'call_ended', call: { call_id: 'c1', start_timestamp: 'soon' } }))), 'call.start_timestamp')
      expectFieldError(await fixture.post('elevenlabs', signElevenLabs(bodyOf({ type: 'post_call_transcription', data: {} }))), 'data.conversation_id')
      const text = await fixture.app.inject({ method: 'POST', url: '/v1/webhooks/vapi', headers: { 'content-type': 'text/plain', ...signVapi('{}').headers }, payload: '{}' })
      expect(text.statusCode, text.body).toBe(415)
      expect(text.body).not.toMatch(/\n\s+at /)
      expect(await sessionCount()).toBe(0)
    })
  })

  describe('Vapi', () => {
    const expected = expectedRows('vapi', vapiReport)

    it('stores the real end-of-call report once; the repeat is 200 with nothing new', async () => {
      const first = await fixture.post('vapi', signVapi(vapiReportText))
      expect(first.statusCode, first.body).toBe(200)
      expect(first.data).toMatchObject({ ok: true, session_id: expected.sessionId, created: true, added: expected.rows.length, ended: true })
      expect(await storedRows(fixture.tracker, expected.sessionId)).toEqual(expected.rows)
      const rowsBefore = await fixture.database.query('select * from conversation_messages where session_id = $1 order by seq', [expected.sessionId])
      const sessionBefore = await fixture.tracker.getSession(expected.sessionId)

      const again = await fixture.post('vapi', signVapi(vapiReportText))
      expect(again.statusCode, again.body).toBe(200)
      expect(again.data).toMatchObject({ ok: true, created: false, added: 0, updated: 0, removed: 0, ended: false })
      expect((await fixture.database.query('select * from conversation_messages where session_id = $1 order by seq', [expected.sessionId])).rows).toEqual(rowsBefore.rows)
      expect(await fixture.tracker.getSession(expected.sessionId)).toEqual(sessionBefore)
      expect(sessionBefore).toMatchObject({ isActive: false, endedReason: expected.endedReason, endedAt: expected.endedAt, startedAt: expected.startedAt })
      expect(sessionBefore.metadata.recording).toEqual({ url: vapiReport.message.recordingUrl, stereo_url: vapiReport.message.stereoRecordingUrl })
    })

    it('ignores live events that arrive after the report', async () => {
      const before = await storedRows(fixture.tracker, expected.sessionId)
      for (const event of vapiLiveEvents(vapiCallId, vapiItems)) {
        const response = await fixture.post('vapi', signVapi(bodyOf(event)))
        expect(response.statusCode, response.body).toBe(200)
        expect(response.data.added ?? 0).toBe(0)
      }
      expect(await storedRows(fixture.tracker, expected.sessionId)).toEqual(before)
      expect((await fixture.tracker.getSession(expected.sessionId)).endedReason).toBe(expected.endedReason)
    })

    it('stores live turns as they come and converges with the report: no turn twice, the report’s transcript', async () => {
      // The same call under another id, so this test starts from nothing.
      const callId = 'live-4bd29b07'
      const report = structuredClone(vapiReport)
      report.message.call.id = callId
      const want = expectedRows('vapi', report)
      const live = vapiLiveEvents(callId, vapiItems)
      // A final the report never had (a noise the transcriber heard): it must go at the end.
      live.splice(4, 0, { message: { type: 'transcript', role: 'user', transcriptType: 'final', transcript: 'euh', call: { id: callId }, timestamp: vapiItems[1]!.time + 100 } })

      const spoken = vapiItems.filter((item) => item.role === 'user' || item.role === 'bot').length
      let finals = 0
      for (const event of live) {
        const response = await fixture.post('vapi', signVapi(bodyOf(event)))
        expect(response.statusCode, response.body).toBe(200)
        const message = event.message as Json
        if (message.type === 'transcript' && message.transcriptType === 'final') {
          finals++
          const rows = await storedRows(fixture.tracker, want.sessionId)
          expect(rows.at(-1)?.content.toLowerCase()).toContain(String(message.transcript).slice(0, 10))
        }
        if (message.type === 'conversation-update') {
          const rows = await storedRows(fixture.tracker, want.sessionId)
          // The list so far, in order, then the one turn it does not have (the noise), never a copy.
          const listed = want.rows.slice(0, (message.messages as unknown[]).length)
          expect(rows.filter((row) => row.content !== 'euh')).toEqual(listed)
        }
      }
      expect(finals).toBe(spoken + 1)
      const beforeReport = await fixture.tracker.getSession(want.sessionId)
      expect(beforeReport.isActive).toBe(true)

      const ended = await fixture.post('vapi', signVapi(bodyOf({ message: { type: 'status-update', status: 'ended', endedReason: 'customer-ended-call', call: { id: callId } } })))
      expect(ended.data).toMatchObject({ ended: true })

      const final = await fixture.post('vapi', signVapi(bodyOf(report)))
      expect(final.statusCode, final.body).toBe(200)
      expect(final.data).toMatchObject({ created: false, added: 0, removed: 1, ended: true })
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      const session = await fixture.tracker.getSession(want.sessionId)
      expect(session).toMatchObject({ isActive: false, messageCount: want.rows.length, endedReason: want.endedReason, startedAt: want.startedAt, endedAt: want.endedAt })
      expect(session.metadata.recording).toEqual({ url: report.message.recordingUrl, stereo_url: report.message.stereoRecordingUrl })

      const repeat = await fixture.post('vapi', signVapi(bodyOf(report)))
      expect(repeat.data).toMatchObject({ added: 0, updated: 0, removed: 0, ended: false })
    })

    it('announces live turns to subscribers as they commit, as any write is', async () => {
      const events: Json[] = []
      const stop = await fixture.database.listen!('parley_events', (payload) => events.push(JSON.parse(payload)))
      try {
        const callId = 'announced-call'
        const sessionId = importedSessionId('vapi', callId)
        const transcript = { message: { type: 'transcript', role: 'user', transcriptType: 'final', transcript: 'Is anyone there?', call: { id: callId }, timestamp: Date.now() } }
        const response = await fixture.post('vapi', signVapi(bodyOf(transcript)))
        expect(response.data).toMatchObject({ created: true, added: 1 })
        const [stored] = await fixture.tracker.listMessages(sessionId)
        expect(stored).toMatchObject({ role: 'user', content: 'Is anyone there?' })
        await expect.poll(() => events.filter((event) => event.type === 'message.created' && event.session_id === sessionId).flatMap((event) => event.ids)).toEqual([stored!.id])
      } finally {
        await stop()
      }
    })

    it('handles live events out of order: a late final transcript is not a second turn', async () => {
      const callId = 'shuffled-4bd29b07'
      const report = structuredClone(vapiReport)
      report.message.call.id = callId
      const want = expectedRows('vapi', report)
      const live = vapiLiveEvents(callId, vapiItems)
      // Every conversation-update first, then the transcripts, status last.
      const order = [...live.filter((event) => event.message.type === 'conversation-update').reverse(), ...live.filter((event) => event.message.type !== 'conversation-update').reverse()]
      for (const event of order) {
        const response = await fixture.post('vapi', signVapi(bodyOf(event)))
        expect(response.statusCode, response.body).toBe(200)
      }
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      await fixture.post('vapi', signVapi(bodyOf(report)))
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      expect((await fixture.tracker.getSession(want.sessionId)).isActive).toBe(false)
    })

    it('puts turns a list adds before the live ones in the list’s order', async () => {
      const callId = 'transcripts-first'
      const sessionId = importedSessionId('vapi', callId)
      const live = vapiLiveEvents(callId, vapiItems)
      for (const event of live.filter((event) => event.message.type === 'transcript')) await fixture.post('vapi', signVapi(bodyOf(event)))
      const liveRows = await storedRows(fixture.tracker, sessionId)
      expect(liveRows.map((row) => row.metadata.live)).toEqual(liveRows.map(() => 'transcript'))
      // The system prompt (first) and the function call (last) arrive only with the list.
      const update = live.filter((event) => event.message.type === 'conversation-update').at(-1)!
      const response = await fixture.post('vapi', signVapi(bodyOf(update)))
      expect(response.data).toMatchObject({ added: vapiItems.length - liveRows.length, updated: liveRows.length, removed: 0 })
      const report = structuredClone(vapiReport)
      report.message.call.id = callId
      const want = expectedRows('vapi', report)
      expect(await storedRows(fixture.tracker, sessionId)).toEqual(want.rows)
      // Claimed rows kept their place in the conversation: nothing was deleted and inserted again.
      expect((await fixture.tracker.getSession(sessionId)).messageCount).toBe(vapiItems.length)
    })

    it('the real 2025 calls: a status-update in-progress opens the call and its report converges it; a late ended update changes nothing', async () => {
      const liveText = fixtureText('real/vapi/2025-06-status-update-in-progress.json')
      const reportText = fixtureText('real/vapi/2025-06-report-artifact-recording-mono.json')
      const report = JSON.parse(reportText) as Json
      const want = expectedRows('vapi', report)
      const opened = await fixture.post('vapi', signVapi(liveText))
      expect(opened.statusCode, opened.body).toBe(200)
      expect(await fixture.tracker.getSession(want.sessionId)).toMatchObject({ isActive: true, messageCount: 0 })
      const final = await fixture.post('vapi', signVapi(reportText))
      expect(final.statusCode, final.body).toBe(200)
      expect(final.data).toMatchObject({ created: false, added: want.rows.length, ended: true })
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      const session = await fixture.tracker.getSession(want.sessionId)
      expect(session).toMatchObject({ isActive: false, endedReason: 'customer-ended-call', startedAt: want.startedAt, endedAt: want.endedAt })
      expect(session.metadata.recording).toMatchObject({ url: report.message.artifact.recordingUrl, stereo_url: report.message.artifact.stereoRecordingUrl })

      const leoReportText = fixtureText('real/vapi/2025-02-report-messages-webcall.json')
      const leo = expectedRows('vapi', JSON.parse(leoReportText))
      expect((await fixture.post('vapi', signVapi(leoReportText))).data).toMatchObject({ created: true, added: 6, ended: true })
      const before = await fixture.tracker.getSession(leo.sessionId)
      // Vapi sent this status-update three seconds before the report; delivered after it, it ends nothing again.
      const late = await fixture.post('vapi', signVapi(fixtureText('real/vapi/2025-02-status-update-ended.json')))
      expect(late.statusCode, late.body).toBe(200)
      expect(late.data).toMatchObject({ added: 0 })
      expect(await fixture.tracker.getSession(leo.sessionId)).toEqual(before)
      expect(await storedRows(fixture.tracker, leo.sessionId)).toEqual(leo.rows)
    })

    it('never writes into a session of another platform or user', async () => {
      const callId = 'taken-call'
      const sessionId = importedSessionId('vapi', callId)
      // Someone made a session with the id this call would get.
      await fixture.tracker.startSession({ sessionId, userId: '9f8e7d6c-0000-4000-8000-000000000001', metadata: { source: { platform: 'vapi', id: callId } } })
      const report = structuredClone(vapiReport)
      report.message.call.id = callId
      expectError(await fixture.post('vapi', signVapi(bodyOf(report))), 409, 'WEBHOOK_SESSION_MISMATCH')
      const transcript = { message: { type: 'transcript', role: 'user', transcriptType: 'final', transcript: 'hello', call: { id: callId }, timestamp: Date.now() } }
      expectError(await fixture.post('vapi', signVapi(bodyOf(transcript))), 409, 'WEBHOOK_SESSION_MISMATCH')
      expect(await fixture.tracker.listMessages(sessionId)).toEqual([])
      // The same provider id on another platform is another session.
      expect(importedSessionId('retell', callId)).not.toBe(sessionId)
    })
  })

  describe('Retell', () => {
    const analyzedText = fixtureText('import/retell-call-ended.json').replace('"event": "call_ended"', '"event": "call_analyzed"')
    const analyzed = JSON.parse(analyzedText) as Json
    const ended = structuredClone(analyzed)
    ended.event = 'call_ended'
    delete ended.call.call_analysis
    const started = { event: 'call_started', call: { call_id: analyzed.call.call_id, agent_id: analyzed.call.agent_id, call_status: 'ongoing', start_timestamp: analyzed.call.start_timestamp } }
    const want = expectedRows('retell', analyzed)

    it('follows call_started → call_ended → call_analyzed, each repeated, to the analysed call', async () => {
      for (let round = 0; round < 2; round++) {
        const response = await fixture.post('retell', signRetell(bodyOf(started)))
        expect(response.data).toMatchObject({ created: round === 0, added: 0 })
      }
      expect((await fixture.tracker.getSession(want.sessionId)).isActive).toBe(true)
      const first = await fixture.post('retell', signRetell(bodyOf(ended)))
      expect(first.data).toMatchObject({ added: want.rows.length, ended: true })
      expect((await fixture.post('retell', signRetell(bodyOf(ended)))).data).toMatchObject({ added: 0, updated: 0, ended: false })
      const analysedFirst = await fixture.post('retell', signRetell(analyzedText))
      expect(analysedFirst.data).toMatchObject({ added: 0, removed: 0, ended: true })
      // Retell's duplicate call_ended after call_analyzed changes nothing.
      expect((await fixture.post('retell', signRetell(bodyOf(ended)))).data).toMatchObject({ added: 0, ended: false })
      expect((await fixture.post('retell', signRetell(analyzedText))).data).toMatchObject({ added: 0, ended: false })
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      const session = await fixture.tracker.getSession(want.sessionId)
      expect(session).toMatchObject({ isActive: false, endedReason: 'call_transfer', startedAt: want.startedAt, endedAt: want.endedAt })
      expect(session.metadata.recording).toEqual({ url: analyzed.call.recording_url })
      expect(JSON.stringify(session.metadata)).toContain('call_summary')
    })

    it('takes call_analyzed before call_ended, and the real not-connected call', async () => {
      const other = structuredClone(analyzed)
      other.call.call_id = 'call_out_of_order'
      const otherEnded = structuredClone(ended)
      otherEnded.call.call_id = 'call_out_of_order'
      const expectedOther = expectedRows('retell', other)
      await fixture.post('retell', signRetell(bodyOf(other)))
      expect((await fixture.post('retell', signRetell(bodyOf(otherEnded)))).data).toMatchObject({ added: 0, ended: false })
      expect(await storedRows(fixture.tracker, expectedOther.sessionId)).toEqual(expectedOther.rows)
      expect(JSON.stringify((await fixture.tracker.getSession(expectedOther.sessionId)).metadata)).toContain('call_summary')

      const notConnectedText = fixtureText('real/retell/call-analyzed-not-connected.json')
      const notConnected = expectedRows('retell', JSON.parse(notConnectedText))
      const response = await fixture.post('retell', signRetell(notConnectedText))
      expect(response.statusCode, response.body).toBe(200)
      expect(await fixture.tracker.getSession(notConnected.sessionId)).toMatchObject({ isActive: false, messageCount: 0, endedReason: 'invalid_destination' })
    })
  })

  describe('ElevenLabs', () => {
    it('stores the real post_call_transcription once under byte-identical retries', async () => {
      const text = fixtureText('real/elevenlabs/post-call-transcription-2025-11.json')
      const want = expectedRows('elevenlabs', JSON.parse(text))
      const first = await fixture.post('elevenlabs', signElevenLabs(text))
      expect(first.statusCode, first.body).toBe(200)
      expect(first.data).toMatchObject({ created: true, added: want.rows.length, ended: true })
      const retry = await fixture.post('elevenlabs', signElevenLabs(text))
      expect(retry.data).toMatchObject({ created: false, added: 0, updated: 0, removed: 0, ended: false })
      expect(await storedRows(fixture.tracker, want.sessionId)).toEqual(want.rows)
      expect(await fixture.tracker.getSession(want.sessionId)).toMatchObject({ isActive: false, startedAt: want.startedAt, endedAt: want.endedAt })
    })

    it('answers 410 to a retried webhook of a call whose user was erased, and brings nothing back', async () => {
      const text = fixtureText('real/elevenlabs/post-call-transcription-2025-11.json')
      const { sessionId } = expectedRows('elevenlabs', JSON.parse(text))
      expect((await fixture.post('elevenlabs', signElevenLabs(text))).statusCode).toBe(200)
      // The app linked the call to its caller; the caller then asked to be forgotten.
      const caller = '0195a0b0-0000-7000-8000-00000000c411'
      await fixture.database.query('update conversation_sessions set user_id = $2 where session_id = $1', [sessionId, caller])
      expect((await fixture.tracker.eraseUser(caller)).sessions).toBe(1)
      expectError(await fixture.post('elevenlabs', signElevenLabs(text)), 410, 'SESSION_ERASED')
      const { rows } = await fixture.database.query<{ n: number }>('select count(*)::int as n from conversation_sessions where session_id = $1', [sessionId])
      expect(rows[0]!.n).toBe(0)
    })
  })
})

describe('webhooks without secrets', () => {
  it('refuses every platform with 401 naming the variable to set', async () => {
    const { buildApp } = await import('../../src/server/app.js')
    const { createTracker } = await import('../../src/tracker/tracker.js')
    const tracker = await createTracker({ database: 'memory:' })
    const app = await buildApp({ tracker })
    try {
      const response = await app.inject({ method: 'POST', url: '/v1/webhooks/retell', headers: { 'content-type': 'application/json' }, payload: '{}' })
      const data = response.json()
      expect(response.statusCode).toBe(401)
      expect(data.error).toMatchObject({ code: 'WEBHOOK_NOT_CONFIGURED', message: expect.stringContaining('PARLEY_RETELL_API_KEY') })
    } finally {
      await app.close()
      await tracker.close()
    }
  })
})
