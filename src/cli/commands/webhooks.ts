import { prepareDatabase } from '../../doctor/schema-guard.js'
import { ValidationError } from '../../model/errors.js'
import { parseSecretKey, SECRET_KEY_ENV } from '../../tracker/secret-box.js'
import {
  addWebhookSecret,
  listWebhookSecrets,
  revokeWebhookSecret,
  validateWebhookSecretId,
  validateWebhookSecretOptions,
  type WebhookSecret,
} from '../../tracker/webhook-secrets.js'
import { textTable } from '../../text-table.js'
import { withDatabase, type CliContext } from '../cli-context.js'

export interface WebhooksCommandOptions {
  databaseUrl: string
  platform?: string
  secret?: string
  name?: string
  id?: string
  json?: boolean
}

/**
 * `parley webhooks add|list|revoke`: platforms' signing secrets, sealed with
 * PARLEY_SECRET_KEY in the database. The secret is never printed again; `add`
 * prints the new id as the last line of stdout.
 */
export async function webhooksCommand(action: 'add' | 'list' | 'revoke', options: WebhooksCommandOptions, context: CliContext): Promise<number> {
  // Mistakes are answered before the database is opened (seconds, for PGlite), naming the flag.
  const asFlag = (error: unknown) => (error instanceof ValidationError && ['platform', 'secret', 'name'].includes(error.field) ? error.renamed((field) => `--${field}`) : error)
  let key: ReturnType<typeof parseSecretKey> | undefined
  if (action === 'add') {
    try {
      validateWebhookSecretOptions({ platform: options.platform ?? '', secret: options.secret ?? '', name: options.name ?? null })
    } catch (error) {
      throw asFlag(error)
    }
    key = parseSecretKey(context.env[SECRET_KEY_ENV])
  }
  if (action === 'revoke') validateWebhookSecretId(options.id ?? '')
  return withDatabase(
    options.databaseUrl,
    async (database) => {
      await prepareDatabase(database)
      if (action === 'add') {
        const stored = await addWebhookSecret(database, key!, { platform: options.platform!, secret: options.secret!, name: options.name ?? null })
        const named = stored.name ? ` (${stored.name})` : ''
        context.stderr.write(`Added ${stored.platform} webhook secret ${stored.id}${named}, sealed with key ${stored.keyId}. Servers on this database accept it within a second.\n`)
        context.stdout.write(`${stored.id}\n`)
      } else if (action === 'list') {
        writeList(await listWebhookSecrets(database), options.json === true, context)
      } else {
        const { secret, alreadyRevoked } = await revokeWebhookSecret(database, options.id ?? '')
        if (alreadyRevoked) context.stdout.write(`${secret.id} was already revoked (${secret.revokedAt!.toISOString()}); nothing changed\n`)
        else context.stdout.write(`Revoked ${secret.platform} webhook secret ${secret.id}; servers refuse it within a second\n`)
      }
      return 0
    },
    { mustExist: action !== 'add' },
  )
}

function writeList(secrets: WebhookSecret[], json: boolean, context: CliContext): void {
  if (json) {
    const rows = secrets.map((secret) => ({
      id: secret.id,
      platform: secret.platform,
      name: secret.name,
      key_id: secret.keyId,
      created_at: secret.createdAt,
      revoked_at: secret.revokedAt,
    }))
    context.stdout.write(`${JSON.stringify(rows)}\n`)
    return
  }
  if (secrets.length === 0) {
    context.stdout.write('No stored webhook secrets: parley webhooks add --platform vapi --secret …\n')
    return
  }
  const state = (secret: WebhookSecret) => (secret.revokedAt ? `revoked ${secret.revokedAt.toISOString()}` : 'active')
  const rows = secrets.map((secret) => [secret.id, secret.platform, secret.createdAt.toISOString(), state(secret), secret.keyId, secret.name ?? ''])
  for (const line of textTable([['ID', 'PLATFORM', 'CREATED', 'STATE', 'KEY', 'NAME'], ...rows])) context.stdout.write(`${line}\n`)
}
