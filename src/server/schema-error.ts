import { ValidationError } from '../model/errors.js'

/** One schema error as Ajv (Fastify's validator) or TypeBox's compiler reports it. */
export interface SchemaError {
  keyword: string
  instancePath: string
  message?: string
  params: {
    missingProperty?: string
    additionalProperty?: string
    requiredProperties?: string[]
    additionalProperties?: string[]
    allowedValues?: unknown[]
    allowedValue?: unknown
    type?: string
  }
}

/**
 * The one formatter of a request's shape errors: the first error as a
 * ValidationError naming the field by its path (`messages[1].role`), for the
 * HTTP API's bodies, queries and params and the stream's frames alike.
 */
export function schemaValidationError(errors: readonly SchemaError[], fallbackField: string, where?: string): ValidationError {
  const details = where ? { in: where } : {}
  // `additionalProperties: false` also yields a bare "schema is false" per field.
  const useful = errors.filter((error) => error.keyword !== 'boolean')
  const first = useful[0] ?? errors[0]
  if (!first) return new ValidationError(fallbackField, 'is invalid', 'VALIDATION_FAILED', details)
  const path = first.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')
  const missing = first.params.missingProperty ?? first.params.requiredProperties?.[0]
  const unknown = first.params.additionalProperty ?? first.params.additionalProperties?.[0]
  const field = [path, missing ?? unknown].filter(Boolean).join('.') || fallbackField
  const fail = (reason: string) => new ValidationError(field, reason, 'VALIDATION_FAILED', details)
  if (missing) return fail('is required')
  if (unknown) return fail('is not a known field')
  // A union of literals fails once per literal; together they say what would do.
  const constants = useful.filter((error) => error.instancePath === first.instancePath && error.keyword === 'const')
  if (constants.length > 0) return fail(`must be ${constants.map((error) => JSON.stringify(error.params.allowedValue)).join(' or ')}`)
  // A union reports each branch: name the types it would take.
  const branches = useful.filter((error) => error.instancePath === first.instancePath && error.keyword === 'type')
  if (useful.some((error) => error.instancePath === first.instancePath && error.keyword === 'anyOf') && branches.length > 1) {
    return fail(`must be ${branches.map((error) => error.params.type).join(' or ')}`)
  }
  const allowed = first.params.allowedValues ? ` (${first.params.allowedValues.join(', ')})` : ''
  return fail(`${first.message ?? 'is invalid'}${allowed}`)
}
