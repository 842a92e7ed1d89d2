import type { AuditRecord, Awaitable, Stores } from '../storage/types.ts'
import { isThenable } from './awaitable.ts'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
import { requestFields, type RequestFields } from './audit/record.ts'
import type { Config } from './config/load.ts'
import { parseAuthorization, type Credentials } from './credentials/authorization.ts'
import type { Allow, Decision, Pass, PassReason } from './decision.ts'
import type { CredentialScheme } from './errors/catalog.ts'
import { deny } from './errors/deny.ts'
import { isPlainPath, normalizePath } from './http/path.ts'
import { authenticateApiToken } from './methods/api-token.ts'
import { authenticateHostToken } from './methods/host-token.ts'
import { authenticateJwt } from './methods/jwt.ts'
import { authenticateOAuth } from './methods/oauth.ts'
import { authenticatePassword } from './methods/password.ts'
import type { MethodResult } from './methods/result.ts'
import { resolveClient } from './policy/client-address.ts'
import { ProviderUnavailableError } from './providers/errors.ts'
import { looksLikeJwt } from './providers/jwt-verifier.ts'
import { createProviders, type Providers } from './providers/runtime.ts'
import { groupRefusal } from './policy/groups.ts'
import { rateLimitHeaders, rateLimitKey } from './policy/rate-limit.ts'
import type { AuthRequest } from './request.ts'
import { tokenPrefix } from './tokens/format.ts'
import { tokenRoute } from './tokens/routes.ts'

/** I/O the engine does not own. */
export interface EngineOptions {
  /** The clock, epoch milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number
  /** For identity-provider calls (JWKS, introspection). Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch
  /** Provider state kept between calls (key sets, caches); a fresh one per call by default. */
  readonly providers?: Providers
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
  const providers = options.providers ?? createProviders(config, options)
  return decide(request, normalizePath(request.target), config, stores, providers, options.now?.() ?? Date.now())
}

/** {@link authenticate} on a path already normalised by {@link normalizePath}. */
export async function decide(
  request: AuthRequest,
  segments: string[] | null,
  config: Config,
  stores: Stores,
  providers: Providers,
  now: number,
): Promise<Decision> {
  const { compiled } = config
  if (!config.enabled || segments === null || !compiled.prefix(segments)) {
    const fields = requestFields(now, request.method, segments, request.target, request.peer)
    if (!config.enabled) return pass('disabled', fields)
    return segments === null ? deny('path_invalid', 'none', fields, config) : pass('outside-prefix', fields)
  }

  // The client address is resolved only when a rule needs it (an allowlist, or proxies to see through).
  const client = compiled.allowedAddresses || compiled.trustedProxies
    ? resolveClient(request.peer, compiled.trustedProxies ? request.headers.get(compiled.clientAddressHeader) : null, compiled.trustedProxies, compiled.clientAddressList)
    : undefined
  const fields = requestFields(now, request.method, segments, request.target, client ? client.text : request.peer)
  const plain = isPlainPath(request.target)
  if (plain && compiled.bypass(segments)) return pass('bypass', fields)
  if (compiled.allowedAddresses && !(client?.address && compiled.allowedAddresses(client.address))) {
    return deny('ip_not_allowed', 'none', fields, config)
  }

  const credentials = readCredentials(request, config)
  const scheme = schemeOf(credentials)
  if (credentials.scheme === 'none') {
    if (compiled.restricted(segments)) return deny('public_api_restricted', 'none', fields, config)
    if (plain && compiled.anonymous(segments)) return pass('anonymous', fields)
  }
  let result: MethodResult
  try {
    const pending = verify(credentials, config, stores, providers, now, fields.client)
    result = isThenable(pending) ? await pending : pending
  } catch (error) {
    if (error instanceof ProviderUnavailableError) return deny('provider_unavailable', scheme, fields, config, undefined, error.message)
    return deny('store_unavailable', scheme, fields, config)
  }
  if (!result.ok) {
    const refusal = deny(result.error, scheme, fields, config, result.user, result.detail)
    return result.headers ? { ...refusal, headers: { ...refusal.headers, ...result.headers } } : refusal
  }

  const { user, via, tokenId } = result
  const refused = groupRefusal(user, request.method, tokenRoute(segments, config) !== undefined, config)
  if (refused) return deny(refused, scheme, fields, config, user.username)

  let headers: Record<string, string> = {}
  let degraded = false
  if (config.rateLimit.enabled) {
    const { limit, windowSeconds, onStoreFailure } = config.rateLimit
    let counted
    try {
      if (!stores.rateLimit) throw new TypeError('rateLimit.enabled needs stores.rateLimit')
      const consumed = stores.rateLimit.consume(rateLimitKey(user.username, tokenId), limit, windowSeconds * 1000, now)
      counted = isThenable(consumed) ? await consumed : consumed
    } catch {
      if (onStoreFailure === 'refuse') return deny('store_unavailable', scheme, fields, config, user.username)
      degraded = true
    }
    if (counted) {
      headers = rateLimitHeaders(counted, compiled.rateLimitPolicy)
      if (!counted.allowed) {
        const refusal = deny('rate_limited', scheme, fields, config, user.username)
        const audit = tokenId === undefined ? refusal.audit : { ...refusal.audit, tokenId }
        return { ...refusal, headers: { ...refusal.headers, ...headers }, audit }
      }
    }
  }
  // Built by assignment: conditional spreads (`...(x && {...})`) cost microseconds on this path.
  const audit: Mutable<AuditRecord> = {
    time: fields.time,
    method: fields.method,
    path: fields.path,
    client: fields.client,
    event: 'authenticate',
    outcome: 'success',
    reason: via,
    user: user.username,
    via,
  }
  const allow: Mutable<Allow> = { kind: 'allow', user, via, headers, audit }
  if (tokenId !== undefined) allow.tokenId = audit.tokenId = tokenId
  if (degraded) allow.degraded = audit.degraded = true
  return allow
}

/**
 * The request's credentials: its Authorization header, or with REST SSO on and no
 * header, the `os_username`/`os_password` query parameters (read as Basic credentials).
 */
function readCredentials(request: AuthRequest, config: Config): Credentials {
  const header = request.headers.get('authorization')
  if (header !== null || !config.restSso.enabled || !request.target.includes('os_username=')) return parseAuthorization(header)
  const query = new URLSearchParams(request.target.slice(request.target.indexOf('?') + 1))
  const username = query.get('os_username')
  const secret = query.get('os_password')
  if (!username || !secret || query.getAll('os_username').length > 1 || query.getAll('os_password').length > 1) return { scheme: 'malformed' }
  return { scheme: 'basic', username, secret }
}

/** Not `async`: an async function returning a method's promise would add ticks to every request. */
function verify(credentials: Credentials, config: Config, stores: Stores, providers: Providers, now: number, client: string): Awaitable<MethodResult> {
  switch (credentials.scheme) {
    case 'none':
      return { ok: false, error: 'credentials_missing' }
    case 'malformed':
      return { ok: false, error: 'credentials_malformed' }
    case 'unsupported':
      return { ok: false, error: 'scheme_unsupported' }
    case 'bearer':
      // Anything with the prefix is ours, checksum or not: a mistyped token must not travel to an identity provider.
      if (credentials.token.startsWith(tokenPrefix)) return authenticateApiToken(credentials.token, undefined, config, stores, now)
      return verifyBearer(credentials.token, config, stores, providers)
    case 'basic':
      // A secret with the token's prefix is an API token attempt; anything else is a
      // password (the client chose which, so telling them apart leaks nothing).
      if (credentials.secret.startsWith(tokenPrefix)) {
        return authenticateApiToken(credentials.secret, credentials.username, config, stores, now)
      }
      if (!config.basicAuth.passwords && !config.restSso.enabled) return { ok: false, error: 'basic_auth_disabled' }
      return authenticatePassword(credentials.username, credentials.secret, client, config, stores, providers)
  }
}

/**
 * A Bearer value that is not a Portcullis token: a JWT of a configured issuer is verified
 * locally; other tokens go to the OAuth provider when one is configured, else to the
 * host's own token verifier.
 */
function verifyBearer(token: string, config: Config, stores: Stores, providers: Providers): Promise<MethodResult> {
  if (providers.jwt && looksLikeJwt(token) && (!providers.oauth || providers.jwt.knowsIssuer(token))) {
    return authenticateJwt(token, providers.jwt, stores)
  }
  if (providers.oauth) return authenticateOAuth(token, providers.oauth, config, stores)
  return authenticateHostToken(token, config, stores)
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
  // Written out: a literal starting with a spread costs microseconds per property on Node 20's V8.
  const audit: AuditRecord = {
    time: fields.time,
    method: fields.method,
    path: fields.path,
    client: fields.client,
    event: 'authenticate',
    outcome: reason === 'bypass' ? 'bypass' : 'pass',
    reason,
  }
  return { kind: 'pass', reason, audit }
}
