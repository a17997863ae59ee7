import { ParleyError, UnavailableError } from '../../model/errors.js'
import { translateError } from '../translate-error.js'

/**
 * Turns the first connection's failure into one line that names the URL
 * (without its password) and says what to do. Matches `code` where the
 * driver gives one, and the driver's own words where it does not (SCRAM
 * without a password, a server without TLS).
 */
export function explainConnectionError(error: unknown, description: string): unknown {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown }
  const text = typeof message === 'string' ? message : String(error)
  const fail = (reason: string, advice: string, which = 'DATABASE_UNAVAILABLE') =>
    new UnavailableError(which, `cannot connect to ${description}: ${reason}; ${advice}`, { cause: error })
  if (/client password must be a (non-empty )?string|Password must be a string/.test(text)) {
    return fail('the server asks for a password and the URL has none', 'put it in the URL (postgres://user:PASSWORD@host/db) or set PGPASSWORD', 'DATABASE_PASSWORD_MISSING')
  }
  if (code === '28P01') {
    return fail('the password was refused', 'check the user and password in the URL (percent-encode @ : / # in a password)', 'DATABASE_AUTH_FAILED')
  }
  if (code === '28000' && /no encryption/.test(text)) {
    return fail('the server accepts only TLS connections', 'add ?sslmode=require to the URL', 'DATABASE_TLS_REQUIRED')
  }
  if (code === '28000') return fail(`the server refused the login (${text})`, 'check the user, database and the server’s pg_hba.conf', 'DATABASE_AUTH_FAILED')
  if (/does not support SSL/i.test(text)) {
    return fail('the server does not accept TLS', 'remove sslmode from the URL (or use sslmode=disable), or turn ssl on in the server', 'DATABASE_TLS_UNSUPPORTED')
  }
  if (code === '3D000') {
    return fail(`the database does not exist (${text})`, 'create it (createdb, or your provider’s console) or fix the name at the end of the URL', 'DATABASE_NOT_FOUND')
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return fail('the host name does not resolve', 'check the host in the URL')
  }
  if (code === 'ECONNREFUSED') {
    return fail('nothing accepts connections on that host and port', 'is PostgreSQL running there, and is the port right?')
  }
  if (/timeout|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(`${text} ${String(code)}`)) {
    return fail('no answer in time', 'check the host, the port and any firewall between')
  }
  if (/self[- ]signed|certificate|altnames/i.test(text)) {
    return fail(`the server's TLS certificate was not accepted (${text})`, 'use sslmode=require to encrypt without verifying, or give the CA with sslrootcert')
  }
  const translated = translateError(error, description)
  return translated instanceof ParleyError ? translated : fail(text, 'check the URL')
}
