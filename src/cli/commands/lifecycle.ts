import { prepareDatabase } from '../../doctor/schema-guard.js'
import { ValidationError } from '../../model/errors.js'
import { isUuid } from '../../model/validate.js'
import { eraseUser, pruneSessions, readAudit } from '../../tracker/lifecycle.js'
import { withDatabase, type CliContext } from '../cli-context.js'

const DAY_MS = 86_400_000

/** `90d`, `12h` or a plain number of days, as a number of days. */
export function parseAge(text: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(d|h)?$/.exec(text.trim())
  if (!match) throw new ValidationError(field, `must be an age such as 90d, 36h or 30; got "${text}"`)
  const value = Number(match[1])
  return match[2] === 'h' ? value / 24 : value
}

/** `parley erase --user-id U`: a data subject's erasure, with tombstones; prints the counts. */
export async function eraseCommand(options: { databaseUrl: string; userId?: string; json?: boolean }, context: CliContext): Promise<number> {
  if (!isUuid(options.userId)) throw new ValidationError('--user-id', `must be the UUID of the user to erase; got "${options.userId ?? ''}"`)
  const userId = options.userId
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    const erased = await eraseUser(database, userId, 'cli')
    context.stdout.write(
      options.json
        ? `${JSON.stringify({ user_id: erased.userId, sessions: erased.sessions, messages: erased.messages })}\n`
        : `Erased user ${erased.userId}: ${erased.sessions} sessions, ${erased.messages} messages. Their session ids cannot be written again.\n`,
    )
    return 0
  })
}

/** `parley prune --older-than 90d [--dry-run]`: retention, once. */
export async function pruneCommand(
  options: { databaseUrl: string; olderThan?: string; dryRun?: boolean; json?: boolean },
  context: CliContext,
): Promise<number> {
  if (options.olderThan === undefined) throw new ValidationError('--older-than', 'is required, e.g. --older-than 90d')
  const days = parseAge(options.olderThan, '--older-than')
  const endedBefore = new Date(Date.now() - days * DAY_MS)
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    const result = await pruneSessions(database, { endedBefore, dryRun: options.dryRun === true, actor: 'cli' })
    if (options.json) {
      const { sessions, messages, dryRun, ran } = result
      context.stdout.write(`${JSON.stringify({ ended_before: endedBefore.toISOString(), sessions, messages, dry_run: dryRun, ran })}\n`)
    } else if (!result.ran) {
      context.stdout.write('Another process is pruning this database now; nothing was removed.\n')
    } else {
      const verb = result.dryRun ? 'Would remove' : 'Removed'
      context.stdout.write(`${verb} ${result.sessions} sessions and ${result.messages} messages that ended before ${endedBefore.toISOString()}.\n`)
    }
    return 0
  })
}

/** `parley audit [--since ISO]`: the audit log, oldest first, one line per entry (or JSON). */
export async function auditCommand(options: { databaseUrl: string; since?: string; json?: boolean }, context: CliContext): Promise<number> {
  return withDatabase(options.databaseUrl, async (database) => {
    await prepareDatabase(database)
    let after = 0
    for (;;) {
      const page = await readAudit(database, { ...(options.since !== undefined && { since: options.since }), after, limit: 1000 })
      for (const entry of page) {
        context.stdout.write(
          options.json
            ? `${JSON.stringify({ id: entry.id, at: entry.at.toISOString(), actor: entry.actor, action: entry.action, target: entry.target, details: entry.details })}\n`
            : `${entry.at.toISOString()}  ${entry.action.padEnd(15)}  ${entry.actor.padEnd(24)}  ${entry.target ?? ''}  ${JSON.stringify(entry.details)}\n`,
        )
      }
      if (page.length < 1000) return 0
      after = page.at(-1)!.id
    }
  })
}
