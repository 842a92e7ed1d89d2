import type { AuditRecord, Awaitable, RateLimitResult, Stores } from '../storage/types.ts'
import { isThenable } from './awaitable.ts'
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** I/O the engine does not own. */
export interface EngineOptions {
  /** The clock, epoch milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number
  /** For identity-provider calls (JWKS, introspection). Defaults to the global `fetch`. Unused with `providers`, which hold their own. */
  readonly fetch?: typeof fetch
  /**
   * Provider state kept between calls (key sets, caches, the login throttle of stores without one), from
   * `createProviders`; a fresh one per call by default. It keeps the `fetch` and clock it
   * was made with: give it the same clock as `now`.
   */
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
export async function authenticate(request: AuthRequest, config: Config, stores: Stores, options: EngineOptions = {}): Promise<Decision> {
  const providers = options.providers ?? createProviders(config, options)
  return decide(request, normalizePath(request.target), config, stores, providers, options.now?.() ?? Date.now())
}

/**
 * {@link authenticate} on a path already normalised by {@link normalizePath}.
 *
 * Not `async`: when every store answers synchronously (memory, SQLite) so does this, and
 * an adapter can answer in the same tick. Each step that may wait continues with `then`.
 */
export function decide(
  request: AuthRequest,
  segments: string[] | null,
  config: Config,
  stores: Stores,
  providers: Providers,
  now: number,
): Awaitable<Decision> {
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
  const step: Step = { method: request.method, segments, scheme, fields, config, stores, now }
  let pending: Awaitable<MethodResult>
  try {
    pending = verify(credentials, config, stores, providers, now, fields.client)
  } catch (error) {
    return unverified(error, step)
  }
  return isThenable(pending) ? pending.then((result) => authorize(result, step), (error: unknown) => unverified(error, step)) : authorize(pending, step)
}

/** What the steps after the credentials need of the request. */
interface Step {
  readonly method: string
  readonly segments: string[]
  readonly scheme: CredentialScheme
  readonly fields: RequestFields
  readonly config: Config
  readonly stores: Stores
  readonly now: number
}

/** A method that threw: its provider or a store failed (fail closed). */
function unverified(error: unknown, { scheme, fields, config }: Step): Decision {
  if (error instanceof ProviderUnavailableError) return deny('provider_unavailable', scheme, fields, config, undefined, error.message)
  return deny('store_unavailable', scheme, fields, config)
}

/** After the credentials: the groups, then the rate limit. */
function authorize(result: MethodResult, step: Step): Awaitable<Decision> {
  const { scheme, fields, config, stores } = step
  if (!result.ok) {
    const refusal = deny(result.error, scheme, fields, config, result.user, result.detail)
    return result.headers ? { ...refusal, headers: { ...refusal.headers, ...result.headers } } : refusal
  }
  // The token API is exempt from read-only groups; only an authenticated request needs to know.
  const refused = groupRefusal(result.user, step.method, tokenRoute(step.segments, config) !== undefined, config)
  if (refused) return deny(refused, scheme, fields, config, result.user.username)
  if (!config.rateLimit.enabled) return allow(result, fields, noHeaders, false)

  const { limit, windowSeconds } = config.rateLimit
  let consumed: Awaitable<RateLimitResult>
  try {
    if (!stores.rateLimit) throw new TypeError('rateLimit.enabled needs stores.rateLimit')
    consumed = stores.rateLimit.consume(rateLimitKey(result.user.username, result.tokenId), limit, windowSeconds * 1000, step.now)
  } catch {
    return uncounted(result, step)
  }
  return isThenable(consumed) ? consumed.then((counted) => counts(counted, result, step), () => uncounted(result, step)) : counts(consumed, result, step)
}

/** The rate-limit store failed: refuse (503), or allow marked degraded, as `rateLimit.onStoreFailure` says. */
function uncounted(result: MethodResult & { ok: true }, { scheme, fields, config }: Step): Decision {
  if (config.rateLimit.onStoreFailure === 'refuse') return deny('store_unavailable', scheme, fields, config, result.user.username)
  return allow(result, fields, noHeaders, true)
}

function counts(counted: RateLimitResult, result: MethodResult & { ok: true }, { scheme, fields, config }: Step): Decision {
  const headers = rateLimitHeaders(counted, config.compiled.rateLimitPolicy)
  if (counted.allowed) return allow(result, fields, headers, false)
  const refusal = deny('rate_limited', scheme, fields, config, result.user.username)
  const audit = result.tokenId === undefined ? refusal.audit : { ...refusal.audit, tokenId: result.tokenId }
  return { ...refusal, headers: { ...refusal.headers, ...headers }, audit }
}

/** The headers of an allow without a rate limit: one shared frozen object, not one per request. */
const noHeaders: Readonly<Record<string, string>> = Object.freeze({})

function allow({ user, via, tokenId }: MethodResult & { ok: true }, fields: RequestFields, headers: Readonly<Record<string, string>>, degraded: boolean): Allow {
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
  const allowed: Mutable<Allow> = { kind: 'allow', user, via, headers, audit }
  if (tokenId !== undefined) allowed.tokenId = audit.tokenId = tokenId
  if (degraded) allowed.degraded = audit.degraded = true
  return allowed
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
      return authenticatePassword(credentials.username, credentials.secret, client, config, stores, providers, now)
  }
}

/**
 * A Bearer value that is not a Portcullis token: a JWT of a configured issuer is verified
 * locally; other tokens go to the OAuth provider when one is configured, else to the
 * host's own token verifiers. A JWT of another issuer is refused as one, unless the OAuth
 * provider or the host's verifiers could take it (hosts issue OAuth tokens as JWTs too).
 */
function verifyBearer(token: string, config: Config, stores: Stores, providers: Providers): Awaitable<MethodResult> {
  const { jwt } = providers
  if (jwt) {
    const othersTake = providers.oauth !== undefined || config.hostTokens.enabled || config.hostTokens.oauth
    // A token verified before is routed by the cache alone, without scanning it again. Only
    // a value that opens like a JWS header (`{"`) is hashed for that: others take the rules.
    const key = token.startsWith('eyJ') ? jwt.cacheKey(token) : undefined
    if ((key !== undefined && jwt.remembers(key)) || (looksLikeJwt(token) && (!othersTake || jwt.knowsIssuer(token)))) {
      return authenticateJwt(token, jwt, stores, key)
    }
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
