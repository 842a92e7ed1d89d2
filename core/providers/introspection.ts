/**
 * Opaque OAuth 2.0 access tokens checked at the provider: RFC 7662 introspection with
 * the configured client credentials (oauth4webapi), or userinfo for providers that offer
 * nothing else. Results are cached in-process by a hash of the token: active ones no
 * longer than the token's `exp` and `oauth.cacheSeconds`, inactive ones for
 * `oauth.negativeCacheSeconds`; provider failures are never cached.
 */
import { LRUCache } from 'lru-cache'
import * as oauth from 'oauth4webapi'
import type { Config } from '../config/load.ts'
import { hashToken } from '../tokens/format.ts'
import { ProviderUnavailableError } from './errors.ts'
import { readOAuthError } from './oauth-error.ts'

/** What the provider says about a token. */
export type TokenInfo =
  | { readonly active: false; readonly reason: string }
  | {
      readonly active: true
      /** The introspected `client_id`, when given. */
      readonly clientId: string | undefined
      readonly scopes: readonly string[]
      /** The configured username attribute's value, when it is a string. */
      readonly username: string | undefined
    }

/** I/O of an {@link OAuthIntrospector}. */
export interface IntrospectorOptions {
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly timeoutMs: number
}

const loopbackHttp = (url: string) => url.startsWith('http:')

/** Asks the provider about opaque access tokens, with a bounded cache. */
export class OAuthIntrospector {
  readonly #config: Config['oauth']
  readonly #options: IntrospectorOptions
  readonly #as: oauth.AuthorizationServer
  readonly #client: oauth.Client
  readonly #cache: LRUCache<string, TokenInfo> | undefined

  constructor(config: Config['oauth'], options: IntrospectorOptions) {
    this.#config = config
    this.#options = options
    const endpoint = config.introspection?.endpoint ?? config.userinfoEndpoint!
    this.#as = {
      issuer: config.issuer ?? new URL(endpoint).origin,
      ...(config.introspection && { introspection_endpoint: config.introspection.endpoint }),
      ...(config.userinfoEndpoint && { userinfo_endpoint: config.userinfoEndpoint }),
    }
    this.#client = { client_id: config.introspection?.clientId ?? 'portcullis' }
    const ttl = Math.max(config.cacheSeconds, config.negativeCacheSeconds) * 1000
    // ttlResolution 0: read the injected clock on every check (lru-cache otherwise reuses a reading until a timer clears it).
    if (ttl > 0) this.#cache = new LRUCache({ max: config.cacheEntries, ttl, ttlResolution: 0, perf: { now: options.now } })
  }

  /**
   * What the provider says about `token`. Throws {@link ProviderUnavailableError} when it
   * cannot be asked or answers garbage; refusal of our own client credentials is an
   * inactive answer with that reason. A cached answer comes back synchronously.
   */
  inspect(token: string): TokenInfo | Promise<TokenInfo> {
    const key = this.#cache && hashToken(token)
    const hit = key === undefined ? undefined : this.#cache!.get(key)
    return hit ?? this.#inspectFresh(token, key)
  }

  async #inspectFresh(token: string, key: string | undefined): Promise<TokenInfo> {
    const { info, exp }: { info: TokenInfo; exp?: number } = this.#config.introspection ? await this.#introspect(token) : await this.#userinfo(token)
    if (key !== undefined) {
      const seconds = info.active ? this.#config.cacheSeconds : this.#config.negativeCacheSeconds
      const left = exp === undefined ? Infinity : exp * 1000 - this.#options.now()
      const ttl = Math.min(seconds * 1000, left)
      if (ttl > 0) this.#cache!.set(key, info, { ttl })
    }
    return info
  }

  /** Options every provider request shares: the timeout, the injected fetch, and http for loopback test providers. */
  #http() {
    const url = this.#config.introspection?.endpoint ?? this.#config.userinfoEndpoint!
    return {
      signal: AbortSignal.timeout(this.#options.timeoutMs),
      [oauth.customFetch]: (input: string, init: oauth.CustomFetchOptions<string, unknown>) => this.#options.fetch(input, init as RequestInit),
      ...(loopbackHttp(url) && { [oauth.allowInsecureRequests]: true }),
    }
  }

  async #introspect(token: string): Promise<{ info: TokenInfo; exp?: number }> {
    const settings = this.#config.introspection!
    const auth = settings.authMethod === 'client_secret_post' ? oauth.ClientSecretPost(settings.clientSecret) : oauth.ClientSecretBasic(settings.clientSecret)
    const response = await call(() => oauth.introspectionRequest(this.#as, this.#client, auth, token, this.#http()))
    if (response.status === 401 || response.status === 403) {
      return { info: { active: false, reason: `introspection refused the configured client credentials (HTTP ${response.status})` } }
    }
    if (response.status === 400) {
      // An OAuth error about the request (oidc-provider will not introspect a JWT, say) is an answer about this token, not an outage.
      const error = await readOAuthError(response)
      if (error) return { info: { active: false, reason: `introspection refused the token (HTTP 400 ${error.text})` } }
    }
    if (response.status !== 200) throw new ProviderUnavailableError(`introspection answered HTTP ${response.status}`)
    const result = await call(() => oauth.processIntrospectionResponse(this.#as, this.#client, response))
    if (!result.active) return { info: { active: false, reason: 'token inactive' } }
    if (typeof result.exp === 'number' && result.exp * 1000 <= this.#options.now()) return { info: { active: false, reason: 'token expired' } }
    const attribute = result[this.#config.usernameAttribute]
    return {
      info: {
        active: true,
        clientId: result.client_id,
        scopes: typeof result.scope === 'string' ? result.scope.split(' ').filter(Boolean) : [],
        username: typeof attribute === 'string' ? attribute : undefined,
      },
      ...(typeof result.exp === 'number' && { exp: result.exp }),
    }
  }

  async #userinfo(token: string): Promise<{ info: TokenInfo }> {
    const response = await call(() => oauth.userInfoRequest(this.#as, this.#client, token, this.#http()))
    if (response.status === 401 || response.status === 403) return { info: { active: false, reason: `userinfo refused the token (HTTP ${response.status})` } }
    if (response.status !== 200) throw new ProviderUnavailableError(`userinfo answered HTTP ${response.status}`)
    const claims = await call(() => oauth.processUserInfoResponse(this.#as, this.#client, oauth.skipSubjectCheck, response))
    const attribute = claims[this.#config.usernameAttribute]
    return { info: { active: true, clientId: undefined, scopes: [], username: typeof attribute === 'string' ? attribute : undefined } }
  }
}

/** Runs a provider call; any failure (network, timeout, malformed answer) means the provider is unavailable. */
async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (cause) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    throw new ProviderUnavailableError(`identity provider call failed (${what})`, { cause })
  }
}
