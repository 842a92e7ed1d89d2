import type { Stores } from '../storage/types.ts'
import { requestFields, type RequestFields } from './audit/record.ts'
import type { Config } from './config/load.ts'
import { parseAuthorization, type Credentials } from './credentials/authorization.ts'
import type { Decision, Deny, Pass, PassReason } from './decision.ts'
import { catalog, errorBody, errorHeaders, type CredentialScheme, type ErrorId } from './errors/catalog.ts'
import { normalizePath } from './http/path.ts'
import { authenticateApiToken } from './methods/api-token.ts'
import { authenticateHostToken } from './methods/host-token.ts'
import { authenticatePassword } from './methods/password.ts'
import type { MethodResult } from './methods/result.ts'
import type { AuthRequest } from './request.ts'
import { isWellFormedToken } from './tokens/format.ts'

/** I/O the engine does not own. */
export interface EngineOptions {
  /** The clock, epoch milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number
}

/**
 * Decides who is calling and whether they may. Never throws for a bad request: every
 * outcome is a {@link Decision}, and a failing store yields a 503 deny (fail closed).
 *
 * @example
 * ```ts
 * import { authenticate, loadConfig } from 'portcullis'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const config = loadConfig({})
 * const stores = memoryStores()
 * const decision = await authenticate(
 *   { method: 'GET', target: '/rest/api/2/myself', headers: new Headers(), peer: '127.0.0.1' },
 *   config,
 *   stores,
 * )
 * decision.kind // 'deny': no credentials
 * ```
 */
export function authenticate(request: AuthRequest, config: Config, stores: Stores, options: EngineOptions = {}): Promise<Decision> {
  return decide(request, normalizePath(request.target), config, stores, options.now?.() ?? Date.now())
}

/** {@link authenticate} on a path already normalised by {@link normalizePath}. */
export async function decide(request: AuthRequest, segments: string[] | null, config: Config, stores: Stores, now: number): Promise<Decision> {
  const fields = requestFields(now, request.method, segments, request.target, request.peer)
  if (!config.enabled) return pass('disabled', fields)
  if (segments === null) return deny('path_invalid', 'none', fields, config)
  if (!config.compiled.prefix(segments)) return pass('outside-prefix', fields)

  const credentials = parseAuthorization(request.headers.get('authorization'))
  const scheme = schemeOf(credentials)
  let result: MethodResult
  try {
    result = await verify(credentials, config, stores, now)
  } catch {
    return deny('store_unavailable', scheme, fields, config)
  }
  if (!result.ok) return deny(result.error, scheme, fields, config, result.user)
  return {
    kind: 'allow',
    user: result.user,
    via: result.via,
    ...(result.tokenId !== undefined && { tokenId: result.tokenId }),
    audit: {
      ...fields,
      event: 'authenticate',
      outcome: 'success',
      reason: result.via,
      user: result.user.username,
      via: result.via,
      ...(result.tokenId !== undefined && { tokenId: result.tokenId }),
    },
  }
}

async function verify(credentials: Credentials, config: Config, stores: Stores, now: number): Promise<MethodResult> {
  switch (credentials.scheme) {
    case 'none':
      return { ok: false, error: 'credentials_missing' }
    case 'malformed':
      return { ok: false, error: 'credentials_malformed' }
    case 'unsupported':
      return { ok: false, error: 'scheme_unsupported' }
    case 'bearer':
      return isWellFormedToken(credentials.token)
        ? authenticateApiToken(credentials.token, undefined, config, stores, now)
        : authenticateHostToken(credentials.token, config, stores)
    case 'basic':
      // A secret with the token's prefix and a valid checksum is an API token attempt;
      // anything else is a password (the client chose which, so telling them apart leaks nothing).
      if (isWellFormedToken(credentials.secret)) {
        return authenticateApiToken(credentials.secret, credentials.username, config, stores, now)
      }
      if (!config.basicAuth.passwords) return { ok: false, error: 'basic_auth_disabled' }
      return authenticatePassword(credentials.username, credentials.secret, stores)
  }
}

/** Picks the challenge: a malformed header gets RFC 6750's `invalid_request`, as Bearer errors do. */
function schemeOf(credentials: Credentials): CredentialScheme {
  switch (credentials.scheme) {
    case 'bearer':
    case 'basic':
      return credentials.scheme
    case 'malformed':
      return 'bearer'
    default:
      return 'none'
  }
}

function pass(reason: PassReason, fields: RequestFields): Pass {
  return { kind: 'pass', reason, audit: { ...fields, event: 'authenticate', outcome: 'pass', reason } }
}

/** Builds a deny decision for a catalog error. */
export function deny(error: ErrorId, scheme: CredentialScheme, fields: RequestFields, config: Config, user?: string, detail?: string): Deny {
  const entry = catalog[error]
  return {
    kind: 'deny',
    error,
    status: entry.status,
    headers: errorHeaders(error, scheme, config.realm),
    body: errorBody(error, detail),
    audit: {
      ...fields,
      event: 'authenticate',
      outcome: entry.outcome,
      reason: error,
      ...(user !== undefined && { user }),
    },
  }
}
