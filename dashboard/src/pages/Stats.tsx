// Figures over the sessions: per day, durations, messages per session, active now, busiest hours.
import type { ComponentChildren } from 'preact'
import type { ParleyClient, ConversationStats } from '../api.js'
import { BarChart } from '../components/BarChart.js'
import { formatDuration, formatNumber } from '../format.js'
import { useLoad } from '../hooks.js'
import { groupDays, PERIOD_HEADING } from '../periods.js'
import { navigate } from '../route.js'

export function StatsPage({ client, query }: { client: ParleyClient; query: URLSearchParams }) {
  const loaded = useLoad(() => {
    const options: { from?: string; to?: string; userId?: string } = {}
    const from = query.get('from')
    const to = query.get('to')
    const user = query.get('user')
    if (from) options.from = new Date(from).toISOString()
    if (to) options.to = new Date(new Date(to).getTime() + 86_400_000).toISOString()
    if (user) options.userId = user
    return client.getStats(options)
  }, [client, query.toString()])

  const submit = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget as HTMLFormElement)
    const params = new URLSearchParams()
    for (const name of ['from', 'to', 'user']) {
      const value = String(form.get(name) ?? '').trim()
      if (value) params.set(name, value)
    }
    navigate(`#/stats${params.size > 0 ? `?${params}` : ''}`)
  }

  return (
    <section aria-labelledby="stats-title">
      <h1 id="stats-title">Stats</h1>
      <form class="filters" onSubmit={submit} key={query.toString()} aria-label="Stats period">
        <label>From<input name="from" type="date" defaultValue={query.get('from') ?? ''} /></label>
        <label>To<input name="to" type="date" defaultValue={query.get('to') ?? ''} /></label>
        <label>User id<input name="user" defaultValue={query.get('user') ?? ''} spellcheck={false} /></label>
        <div class="actions"><button type="submit">Apply</button></div>
      </form>
      {loaded.state === 'loading' && <p class="muted" aria-live="polite">Counting…</p>}
      {loaded.state === 'error' && <p class="error" role="alert">{loaded.error}</p>}
      {loaded.state === 'done' && <Figures stats={loaded.value} />}
    </section>
  )
}

function Figures({ stats }: { stats: ConversationStats }) {
  if (stats.totals.sessions === 0) {
    return <p class="empty">No sessions in this period yet — run <code>npx parley demo --server {location.origin} --key &lt;ingest key&gt;</code> to record one.</p>
  }
  // Days for a short span; weeks, months or years for a long one, so each bar stays wide enough to see.
  const { unit, periods } = groupDays(stats.sessionsPerDay)
  const perPeriod = `Sessions per ${unit}`
  const buckets = stats.durationSeconds.buckets
  const bucketLabel = (le: number | null, index: number) => (le === null ? `> ${formatDuration(buckets[index - 1]?.leSeconds ?? 0)}` : `≤ ${formatDuration(le)}`)
  const hours = Array.from({ length: 24 }, (_, hour) => stats.busiestHours.find((entry) => entry.hour === hour)?.count ?? 0)
  return (
    <>
      <dl class="totals">
        <div><dt>Sessions</dt><dd data-testid="total-sessions">{formatNumber(stats.totals.sessions)}</dd></div>
        <div><dt>Messages</dt><dd data-testid="total-messages">{formatNumber(stats.totals.messages)}</dd></div>
        <div><dt>Active now</dt><dd data-testid="active-now">{formatNumber(stats.totals.activeNow)}</dd></div>
        <div><dt>Messages per session (avg)</dt><dd data-testid="messages-avg">{formatNumber(stats.messagesPerSession.avg, 1)}</dd></div>
      </dl>

      <Panel title={perPeriod}>
        <BarChart label={perPeriod} x={periods.map((_, index) => index)} y={periods.map((period) => period.count)} ticks={periods.map((period) => period.tick)} />
        <NumbersTable caption={perPeriod} head={[PERIOD_HEADING[unit], 'Sessions']} rows={periods.map((period) => [period.label, formatNumber(period.count)])} />
      </Panel>

      <Panel title="Duration">
        <p class="figures">
          p50 <strong data-testid="duration-p50">{formatDuration(stats.durationSeconds.p50)}</strong> · p90 <strong data-testid="duration-p90">{formatDuration(stats.durationSeconds.p90)}</strong> · p99{' '}
          <strong data-testid="duration-p99">{formatDuration(stats.durationSeconds.p99)}</strong>
        </p>
        <BarChart label="Sessions by duration" x={buckets.map((_, index) => index)} y={buckets.map((bucket) => bucket.count)} ticks={buckets.map((bucket, index) => bucketLabel(bucket.leSeconds, index))} />
        <NumbersTable caption="Sessions by duration" head={['Duration', 'Sessions']} rows={buckets.map((bucket, index) => [bucketLabel(bucket.leSeconds, index), formatNumber(bucket.count)])} />
      </Panel>

      <Panel title="Messages per session">
        <NumbersTable
          open
          caption="Messages per session"
          head={['avg', 'p50', 'p90', 'p99']}
          rows={[[stats.messagesPerSession.avg, stats.messagesPerSession.p50, stats.messagesPerSession.p90, stats.messagesPerSession.p99].map((value) => formatNumber(value, 1))]}
        />
      </Panel>

      <Panel title="Busiest hours (UTC)">
        <BarChart label="Sessions started per hour of the day" x={hours.map((_, hour) => hour)} y={hours} ticks={hours.map((_, hour) => String(hour).padStart(2, '0'))} />
        <NumbersTable caption="Sessions started per hour" head={['Hour', 'Sessions']} rows={stats.busiestHours.map((entry) => [`${String(entry.hour).padStart(2, '0')}:00`, formatNumber(entry.count)])} />
      </Panel>
    </>
  )
}

function Panel({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  )
}

function NumbersTable({ caption, head, rows, open = false }: { caption: string; head: string[]; rows: string[][]; open?: boolean }) {
  const table = (
    <table>
      <caption class="sr-only">{caption}</caption>
      <thead><tr>{head.map((cell) => <th key={cell} scope="col">{cell}</th>)}</tr></thead>
      <tbody>{rows.map((row, index) => <tr key={index}>{row.map((cell, column) => <td key={column}>{cell}</td>)}</tr>)}</tbody>
    </table>
  )
  if (open) return table
  return (
    <details class="numbers">
      <summary>The numbers</summary>
      {table}
    </details>
  )
}
