import { ParleyError } from '../errors.js'

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends ParleyError {}

/** Valid credentials without the scope the route needs. */
export class ForbiddenError extends ParleyError {}

/** Too many requests for one key; `retryAfterSeconds` goes into `Retry-After`. */
export class RateLimitedError extends ParleyError {}
