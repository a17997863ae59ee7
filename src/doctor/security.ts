import { PARLEY_SCHEMA } from '../db/parley-schema.js'
import type { Problem } from './compare.js'
import type { PolicyShape, SecurityShape } from './schema.js'

/** Supabase's API roles; on plain PostgreSQL they may not exist, and what does not exist is not checked. */
export const API_ROLES = ['anon', 'authenticated', 'service_role']

/** Stands for the JWT's subject in policy expressions, however the database spells it. */
export const JWT_SUB = '{jwt_sub}'

// How pg_get_expr prints the two spellings migration 0013 chooses between.
const SUB_SPELLINGS = [
  /\( SELECT auth\.uid\(\) AS uid\)/g,
  /\( SELECT \(\(\(NULLIF\(current_setting\('request\.jwt\.claims'::text, true\), ''::text\)\)::jsonb ->> 'sub'::text\)\)::uuid AS uuid\)/g,
]

/** Replaces either spelling of the JWT's subject with `{jwt_sub}`. */
export function normaliseJwtSub(expression: string): string {
  return SUB_SPELLINGS.reduce((text, spelling) => text.replace(spelling, JWT_SUB), expression)
}

const COMMANDS: Record<string, string> = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' }

const isInternal = (object: string) => new RegExp(`^(schema ${PARLEY_SCHEMA}$|(table|sequence|function) ${PARLEY_SCHEMA}\\.)`).test(object)

/**
 * Security drift, by name: RLS off on a table the migrations turn it on for
 * (the conversation tables, parley.webhook_secrets), a policy missing
 * or changed, privileges held by PUBLIC or an API role beyond what the
 * migrations grant, a function whose search_path or rights differ. Pure.
 */
export function compareSecurity(expected: SecurityShape, live: SecurityShape): Problem[] {
  const problems: Problem[] = []
  for (const [table, want] of Object.entries(expected.rls)) {
    // A table the fix is about to create gets its RLS too.
    const have = live.rls[table]
    if (want.enabled && !have?.enabled) {
      problems.push(problem('rls_disabled', table, { expected: 'row level security enabled', actual: 'disabled' }))
    }
  }
  for (const [key, want] of Object.entries(expected.policies)) {
    const have = live.policies[key]
    if (!have) problems.push(problem('missing_policy', want.table, { name: want.name, expected: describePolicy(want), actual: null }))
    else if (describePolicy(have) !== describePolicy(want)) {
      problems.push(problem('policy_mismatch', want.table, { name: want.name, expected: describePolicy(want), actual: describePolicy(have) }))
    }
  }
  for (const [key, have] of Object.entries(live.policies)) {
    // Permissive policies add up: one more may let anyone read everything.
    if (!expected.policies[key]) problems.push(problem('extra_policy', have.table, { name: have.name, actual: describePolicy(have), severity: 'warning', fix: 'manual' }))
  }
  for (const [name, want] of Object.entries(expected.functions)) {
    const have = live.functions[name]
    if (!have) continue // a missing function is the schema comparison's to report
    const wantPath = want.config.find((entry) => entry.startsWith('search_path='))
    const havePath = have.config.find((entry) => entry.startsWith('search_path='))
    if (wantPath && havePath !== wantPath) {
      problems.push(problem('function_search_path_mutable', null, { name: have.signature, expected: wantPath, actual: havePath ?? 'search_path not set' }))
    }
    if (want.securityDefiner !== have.securityDefiner) {
      problems.push(
        problem('function_security_mismatch', null, {
          name: have.signature,
          expected: want.securityDefiner ? 'security definer' : 'security invoker',
          actual: have.securityDefiner ? 'security definer' : 'security invoker',
        }),
      )
    }
  }
  const grantees = ['PUBLIC', ...live.apiRoles]
  const objects = new Set([...Object.keys(expected.grants), ...Object.keys(live.grants)])
  for (const object of [...objects].sort()) {
    for (const grantee of grantees) {
      const want = new Set(expected.grants[object]?.[grantee] ?? [])
      const have = new Set(live.grants[object]?.[grantee] ?? [])
      const excess = [...have].filter((privilege) => !want.has(privilege))
      const lacking = [...want].filter((privilege) => !have.has(privilege))
      if (excess.length > 0) {
        // Internal objects, and anything PUBLIC or anon can reach, are errors:
        // with the anon key an attacker could mint keys or read everyone's rows.
        const serious = isInternal(object) || grantee === 'PUBLIC' || grantee === 'anon'
        problems.push(
          problem('privilege_granted', object, {
            name: grantee,
            expected: [...want].sort().join(', ') || 'no privilege',
            actual: excess.sort().join(', '),
            severity: serious ? 'error' : 'warning',
            fix: serious ? 'safe' : 'manual',
          }),
        )
      }
      if (lacking.length > 0 && live.grants[object] !== undefined) {
        problems.push(problem('privilege_missing', object, { name: grantee, expected: lacking.sort().join(', '), actual: [...have].sort().join(', ') || 'no privilege', severity: 'warning', fix: 'manual' }))
      }
    }
  }
  return problems
}

/**
 * The statements that restore each security problem, idempotently and
 * touching no row: enable RLS, recreate a policy, revoke, reset a function's
 * search_path or rights.
 */
export function securityFixSql(problems: Problem[], expected: SecurityShape, allPolicies = false): string[] {
  const out: string[] = []
  for (const p of problems.filter((p) => p.kind === 'rls_disabled')) out.push(`alter table ${p.table} enable row level security;`)
  const policies = allPolicies
    ? Object.values(expected.policies)
    : problems
        .filter((p) => p.kind === 'missing_policy' || p.kind === 'policy_mismatch')
        .flatMap((p) => expected.policies[`${p.table}.${p.name}`] ?? [])
  for (const policy of policies) out.push(policySql(policy))
  for (const p of problems.filter((p) => p.kind === 'privilege_granted' && p.severity === 'error')) {
    const grantee = p.name === 'PUBLIC' ? 'public' : `"${p.name}"`
    const [kind, ...rest] = p.table!.split(' ')
    out.push(`revoke ${p.actual} on ${kind} ${rest.join(' ')} from ${grantee};`)
  }
  for (const p of problems.filter((p) => p.kind === 'function_search_path_mutable')) {
    const [, value] = p.expected!.split('=')
    out.push(`alter function ${p.name} set search_path = ${value === '""' ? "''" : value};`)
  }
  for (const p of problems.filter((p) => p.kind === 'function_security_mismatch')) out.push(`alter function ${p.name} ${p.expected};`)
  return out
}

/**
 * Closes the parley schema and everything in it to PUBLIC and the API roles,
 * and the conversation tables to PUBLIC and anon: what a fix has just
 * created starts with PostgreSQL's (or Supabase's) default grants.
 */
export const closeInternalsSql = /* sql */ `revoke all on schema parley from public;
revoke all on all tables in schema parley from public;
revoke all on all sequences in schema parley from public;
revoke all on all functions in schema parley from public;
do $$
declare api_role text;
begin
  for api_role in select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') loop
    execute format('revoke all on schema parley from %I', api_role);
    execute format('revoke all on all tables in schema parley from %I', api_role);
    execute format('revoke all on all sequences in schema parley from %I', api_role);
    execute format('revoke all on all functions in schema parley from %I', api_role);
  end loop;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table conversation_sessions, conversation_messages from anon;
  end if;
  revoke all on table conversation_sessions, conversation_messages from public;
end $$;`

/** Drops and recreates one policy, spelling the JWT's subject as the database can (auth.uid() when it exists). */
function policySql(policy: PolicyShape): string {
  const roles = policy.roles.map((role) => (role === 'public' ? 'public' : `"${role}"`)).join(', ')
  const create = [
    `create policy ${policy.name} on ${policy.table} as ${policy.permissive ? 'permissive' : 'restrictive'}`,
    `for ${COMMANDS[policy.command] ?? 'all'} to ${roles}`,
    policy.using ? `using (${policy.using})` : '',
    policy.check ? `with check (${policy.check})` : '',
  ]
    .filter(Boolean)
    .join(' ')
  return `do $$
declare
  sub text := case when to_regprocedure('auth.uid()') is not null then '(select auth.uid())'
    else '(select (nullif(current_setting(''request.jwt.claims'', true), '''')::jsonb ->> ''sub'')::uuid)' end;
begin
  drop policy if exists ${policy.name} on ${policy.table};
  execute replace($policy$${create}$policy$, '${JWT_SUB}', sub);
end $$;`
}

function describePolicy(policy: PolicyShape): string {
  const parts = [
    `${policy.permissive ? 'permissive' : 'restrictive'} ${COMMANDS[policy.command] ?? policy.command} to ${policy.roles.join(', ')}`,
    policy.using ? `using ${policy.using}` : '',
    policy.check ? `with check ${policy.check}` : '',
  ]
  return parts.filter(Boolean).join(' ')
}

type Details = Partial<Pick<Problem, 'name' | 'expected' | 'actual' | 'severity' | 'fix'>>

function problem(kind: Problem['kind'], table: string | null, details: Details): Problem {
  return { kind, table, expected: null, actual: null, severity: 'error', fix: 'safe', ...details }
}
