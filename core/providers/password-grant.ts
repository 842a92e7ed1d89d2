/**
 * OpenID Connect "REST SSO": a username and password checked at the provider's token
 * endpoint with the resource owner password credentials grant (oauth4webapi's generic token
 * endpoint request). Only whether the provider accepts them matters; the tokens it issues
 * are discarded.
 */
import * as oauth from 'oauth4webapi'
import type { Config } from '../config/load.ts'
import { ProviderUnavailableError } from './errors.ts'
import { readOAuthError } from './oauth-error.ts'

/**
 * The provider's verdict; `reason` is its error and description, for the log.
 * `wrongCredentials` is true only for `invalid_grant`: other refusals (`unauthorized_client`,
 * `invalid_client`) are about our client's configuration, not the user's password.
 */
export type GrantResult = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly wrongCredentials: boolean }

/** Checks passwords at the provider's token endpoint. */
export class PasswordGrant {
  readonly #config: Config['restSso']
  readonly #fetch: typeof fetch
  readonly #timeoutMs: number
  readonly #as: oauth.AuthorizationServer
  readonly #client: oauth.Client

  constructor(config: Config['restSso'], options: { fetch: typeof fetch; timeoutMs: number }) {
    this.#config = config
    this.#fetch = options.fetch
    this.#timeoutMs = options.timeoutMs
    this.#as = { issuer: new URL(config.tokenEndpoint!).origin, token_endpoint: config.tokenEndpoint! }
    this.#client = { client_id: config.clientId! }
  }

  /** Throws {@link ProviderUnavailableError} when the provider cannot be asked or answers garbage. */
  async check(username: string, password: string): Promise<GrantResult> {
    const auth = this.#config.clientSecret === undefined ? oauth.None() : oauth.ClientSecretBasic(this.#config.clientSecret)
    const params = new URLSearchParams({ username, password, scope: this.#config.scope })
    let response: Response
    try {
      response = await oauth.genericTokenEndpointRequest(this.#as, this.#client, auth, 'password', params, {
        signal: AbortSignal.timeout(this.#timeoutMs),
        [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => this.#fetch(url, init as RequestInit),
        ...(this.#config.tokenEndpoint!.startsWith('http:') && { [oauth.allowInsecureRequests]: true }),
      })
    } catch (cause) {
      throw new ProviderUnavailableError(`token endpoint unreachable (${cause instanceof Error ? cause.message : String(cause)})`, { cause })
    }
    if (response.status === 200) {
      // Only a whole token response is an acceptance: a 200 with a stalled, truncated or foreign body is a fault, never an allow.
      const body = (await response.json().catch(() => undefined)) as { access_token?: unknown } | undefined
      if (typeof body?.access_token === 'string' && body.access_token !== '') return { ok: true }
      throw new ProviderUnavailableError('token endpoint answered HTTP 200 without a token response')
    }
    if (response.status === 400 || response.status === 401) {
      const error = await readOAuthError(response)
      if (error) return { ok: false, reason: error.text, wrongCredentials: error.code === 'invalid_grant' }
    }
    await response.body?.cancel().catch(() => {})
    throw new ProviderUnavailableError(`token endpoint answered HTTP ${response.status}`)
  }
}
