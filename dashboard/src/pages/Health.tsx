// The doctor's report for the connected database: drift visible without a terminal.
import type { ParleyClient } from '../api.js'
import { useLoad } from '../hooks.js'

export function HealthPage({ client }: { client: ParleyClient }) {
  const loaded = useLoad(() => client.getSchemaReport(), [client])
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      {loaded.state === 'loading' && <p class="muted" aria-live="polite">Checking the schema…</p>}
      {loaded.state === 'error' && <p class="error" role="alert">{loaded.error}</p>}
      {loaded.state === 'done' && (() => {
        const report = loaded.value
        const pending = report.pendingMigrations
        const errors = report.problems.filter((problem) => problem.severity === 'error').length
        return (
          <>
            <p class={`verdict ${report.ok ? 'ok' : 'bad'}`} role="status" data-testid="health-verdict">
              {report.ok
                ? `✅ The database matches the schema Parley expects${report.problems.length ? ` (${report.problems.length} ${report.problems.length === 1 ? 'warning' : 'warnings'})` : ''}.`
                : `⚠️ The database does not match the schema Parley expects: ${errors} ${errors === 1 ? 'problem' : 'problems'}.`}
            </p>
            {pending.length > 0 && (
              <p>Pending migrations: {pending.map((migration) => `${migration.version} ${migration.name}`).join(', ')}</p>
            )}
            {report.problems.length > 0 && (
              <div class="scroll-x">
                <table class="problems">
                  <caption class="sr-only">What the doctor found</caption>
                  <thead><tr><th scope="col">Table</th><th scope="col">Problem</th><th scope="col">Object</th><th scope="col">Expected</th><th scope="col">Found</th><th scope="col">Fix</th></tr></thead>
                  <tbody>
                    {report.problems.map((problem, index) => (
                      <tr key={index} class={problem.severity}>
                        <td><Breakable text={problem.table ?? '—'} /></td>
                        <td><Breakable text={problem.kind} />{problem.severity === 'warning' ? ' (warning)' : ''}</td>
                        <td class="mono"><Breakable text={problem.column ?? problem.name ?? ''} /></td>
                        <td class="mono"><Breakable text={problem.expected ?? '—'} /></td>
                        <td class="mono"><Breakable text={problem.actual ?? 'nothing'} /></td>
                        <td>{problem.fix}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {!report.ok &&
              (report.pendingMigrations.length > 0 ? (
                <p>Next: run <code>npx parley migrate</code>, or <code>npx parley doctor --fix-sql</code> for a script to review and apply with psql.</p>
              ) : (
                <p>Next: run <code>npx parley doctor --fix-sql</code> for a script to review and apply with psql (migrations are all applied; the schema drifted since).</p>
              ))}
          </>
        )
      })()}
    </section>
  )
}

/**
 * SQL names may break after `_`, `.` or `,` (and nowhere else in a word), so
 * `conversation_sessions_metadata_idx` wraps at its parts and `nothing` stays whole.
 */
function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[_.,])/)
  return <>{parts.map((part, index) => (index === 0 ? part : <><wbr />{part}</>))}</>
}
