/**
 * The one table of every error Portcullis answers with. The engine, the token API, the
 * conformance suite and the docs all read it, so a message cannot drift between them.
 *
 * The first nine entries are the documented responses, to the byte. The rest are
 * Portcullis's own choices for cases the documentation leaves open.
 */

/** How a deny is counted in the audit log. */
export type AuditOutcome = 'unauthorized' | 'forbidden' | 'rate-limited' | 'unavailable' | 'rejected'

/** One catalog entry. */
export interface CatalogEntry {
  /** HTTP status code. */
  readonly status: number
  /** The exact message placed in `{"error":{"status":"ERROR","message":...}}`. */
  readonly message: string
  /** When it is returned (shown in the docs). */
  readonly when: string
  /** Audit outcome recorded for it. */
  readonly outcome: AuditOutcome
  /**
   * The RFC 6750 `error` code of the `WWW-Authenticate: Bearer` challenge sent when the
   * request carried Bearer credentials. Defaults by status: 400 `invalid_request`,
   * 401 `invalid_token`, 403 `insufficient_scope`; `none` sends no code.
   */
  readonly bearerError?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'none'
  /** Whether a detail is appended to the message (`message: detail`). */
  readonly detailed?: boolean
}

const entry = <const E extends CatalogEntry>(e: E): E => e

/** Every error id with its status, exact message and headers policy. */
export const catalog = {
  // Documented responses (shared/responses.json).
  api_token_invalid: entry({
    status: 401,
    message: 'Provided API key is invalid',
    when: 'An API token (Bearer, or Basic username:token) that is unknown, revoked or expired, or whose owner does not match the Basic username.',
    outcome: 'unauthorized',
  }),
  user_not_found: entry({
    status: 400,
    message: 'No user found with this username/email address',
    when: 'An OAuth access token or JWT is valid but its username is not in the user directory.',
    outcome: 'unauthorized',
    bearerError: 'invalid_token',
  }),
  client_credentials_invalid: entry({
    status: 401,
    message: 'Expired Token / invalid_client_ID',
    when: 'Client-credentials grant: the configured client id/secret is rejected by the introspection endpoint, or the access token is expired or inactive.',
    outcome: 'unauthorized',
  }),
  jwt_invalid: entry({
    status: 400,
    message: 'Token Invalid: Error while validating the token.',
    when: 'A JWT that cannot be parsed or whose signature, algorithm, issuer or audience does not validate.',
    outcome: 'unauthorized',
    bearerError: 'invalid_token',
  }),
  jwt_expired: entry({
    status: 401,
    message: 'Token Expired: The token provided is expired.',
    when: 'A JWT whose exp is in the past (beyond the configured clock tolerance).',
    outcome: 'unauthorized',
  }),
  group_not_allowed: entry({
    status: 403,
    message: 'User is not allowed to authenticate',
    when: "'Allow API access' is on and the user is in none of the allowed groups.",
    outcome: 'forbidden',
  }),
  read_only_write: entry({
    status: 401,
    message: 'User does not have permission to execute this operation',
    when: 'A member of a read-only group sends a method other than GET, HEAD or OPTIONS.',
    outcome: 'forbidden',
    bearerError: 'insufficient_scope',
  }),
  token_generation_denied: entry({
    status: 403,
    message: 'User does not have permission to execute this operation',
    when: 'A user without permission to create tokens (for themselves, or for another user) calls the create-token API, or user token creation is switched off and the caller is not an admin.',
    outcome: 'forbidden',
  }),
  ip_not_allowed: entry({
    status: 403,
    message: 'Not valid IP address/Range',
    when: 'IP restriction is on and the client address (after trusted-proxy resolution) is outside every allowed address and range.',
    outcome: 'forbidden',
  }),

  // Portcullis's own decisions.
  basic_auth_disabled: entry({
    status: 403,
    message: 'Basic authentication with a password is disabled: use an API token',
    when: 'Password Basic auth is disabled and a Basic credential is not an API token.',
    outcome: 'forbidden',
  }),
  credentials_missing: entry({
    status: 401,
    message: 'Authentication required',
    when: 'A protected path was requested without an Authorization header.',
    outcome: 'unauthorized',
  }),
  credentials_malformed: entry({
    status: 400,
    message: 'Malformed Authorization header',
    when: 'The Authorization header is repeated, oversized, not ASCII, has bad base64, decodes to invalid UTF-8, has an empty username or no colon.',
    outcome: 'unauthorized',
  }),
  scheme_unsupported: entry({
    status: 401,
    message: 'Unsupported authorization scheme: use Bearer or Basic',
    when: 'The Authorization header uses a scheme other than Bearer or Basic.',
    outcome: 'unauthorized',
  }),
  password_invalid: entry({
    status: 401,
    message: 'Invalid username or password',
    when: 'Password Basic auth is enabled and the username is unknown, the user is inactive or the password is wrong (the same answer, in about the same time, for each).',
    outcome: 'unauthorized',
  }),
  token_use_denied: entry({
    status: 403,
    message: 'User does not have permission to execute this operation',
    when: "A valid API token whose owner no longer has the 'use tokens' permission, or is deactivated.",
    outcome: 'forbidden',
  }),
  path_invalid: entry({
    status: 400,
    message: 'Malformed request path',
    when: 'The request target is not an origin-form path or has an invalid percent-escape, so no rule can be matched against it.',
    outcome: 'rejected',
  }),
  token_request_invalid: entry({
    status: 400,
    message: 'Invalid token request',
    when: 'A token API request whose body or parameters are wrong; the message names the field and what is expected.',
    outcome: 'rejected',
    detailed: true,
  }),
  token_not_found: entry({
    status: 404,
    message: 'Token not found',
    when: 'The token id does not exist, or belongs to another user and the caller is not an admin.',
    outcome: 'rejected',
  }),
  token_limit_reached: entry({
    status: 409,
    message: 'Token limit reached: delete a token before creating another',
    when: 'The owner already holds the maximum number of tokens (apiTokens.maxPerUser).',
    outcome: 'rejected',
  }),
  method_not_allowed: entry({
    status: 405,
    message: 'Method not allowed',
    when: 'A token API path was called with a method it does not serve; the Allow header lists those it does.',
    outcome: 'rejected',
  }),
  public_api_restricted: entry({
    status: 401,
    message: 'Authentication required: this public API is restricted',
    when: 'A path the host serves anonymously (paths.anonymous) that is listed in paths.restricted was requested without credentials.',
    outcome: 'unauthorized',
  }),
  rate_limited: entry({
    status: 429,
    message: 'Rate limit exceeded: retry later',
    when: 'The token (or, for other methods, the user) made rateLimit.limit requests within the last rateLimit.windowSeconds; Retry-After says when to retry.',
    outcome: 'rate-limited',
  }),
  login_throttled: entry({
    status: 429,
    message: 'Too many login attempts: retry later',
    when: 'The username or the client address failed passwordLockout.maxFailures password attempts within the window (locked for lockSeconds), or its failures and attempts in progress already number maxFailures; refused without checking until Retry-After.',
    outcome: 'rate-limited',
  }),
  provider_unavailable: entry({
    status: 503,
    message: 'Identity provider unavailable',
    when: 'An identity provider (JWKS, introspection or token endpoint) is down, slow past providers.timeoutMs, or answered garbage; the request is refused, never allowed.',
    outcome: 'unavailable',
  }),
  store_unavailable: entry({
    status: 503,
    message: 'Authentication service unavailable',
    when: 'A store the decision depends on failed or timed out; the request is refused, never allowed.',
    outcome: 'unavailable',
  }),
} as const satisfies Record<string, CatalogEntry>

/** An error id of the catalog. */
export type ErrorId = keyof typeof catalog

/** The exact JSON body of an error. */
export function errorBody(id: ErrorId, detail?: string): string {
  const { message, detailed }: CatalogEntry = catalog[id]
  const text = detailed && detail ? `${message}: ${detail}` : message
  return JSON.stringify({ error: { status: 'ERROR', message: text } })
}

/** The scheme of the credentials a request offered, which picks the challenge of a deny. */
export type CredentialScheme = 'bearer' | 'basic' | 'none'

const defaultBearerError: Record<number, CatalogEntry['bearerError']> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'insufficient_scope',
}

/**
 * The headers of an error response. Bearer credentials get an RFC 6750 challenge with
 * its error code; a 401 without credentials gets a bare Bearer challenge (RFC 9110 wants
 * one on every 401); a 401 to Basic credentials gets an RFC 7617 Basic challenge.
 */
export function errorHeaders(id: ErrorId, scheme: CredentialScheme, realm: string): Record<string, string> {
  const e: CatalogEntry = catalog[id]
  const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8' }
  if (scheme === 'bearer') {
    const code = e.bearerError ?? defaultBearerError[e.status] ?? 'none'
    headers['www-authenticate'] = code === 'none' ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="${code}"`
  } else if (e.status === 401) {
    headers['www-authenticate'] = scheme === 'basic'
      ? `Basic realm="${realm}", charset="UTF-8"`
      : `Bearer realm="${realm}"`
  }
  return headers
}
