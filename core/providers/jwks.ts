/**
 * A JWKS fetched from a provider's URL, with the behaviour jose's remote set lacks:
 *
 * - the cooldown counts every attempt, failed ones included, so random `kid`s during an
 *   outage do not turn into a fetch per request;
 * - the last good set is kept when a refresh fails, so a briefly unreachable provider
 *   does not fail tokens signed with keys already known;
 * - concurrent refreshes share one request;
 * - `generation` changes when the fetched keys change, which invalidates verified-token
 *   cache entries made under the old keys.
 *
 * Key selection and import are jose's (`createLocalJWKSet`).
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose'
import { ProviderUnavailableError } from './errors.ts'

/** Options of {@link RemoteKeySet}. */
export interface RemoteKeySetOptions {
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly timeoutMs: number
  /** No refetch sooner than this after the last attempt. */
  readonly cooldownMs: number
  /** Refetch a set older than this (when not cooling down). */
  readonly maxAgeMs: number
}

type LocalSet = ReturnType<typeof createLocalJWKSet>

/** A remote JWKS, used as a jose key resolver through {@link RemoteKeySet.getKey}. */
export class RemoteKeySet {
  readonly #url: string
  readonly #options: RemoteKeySetOptions
  #local: LocalSet | undefined
  #fingerprint = ''
  #attemptedAt = -Infinity
  #loadedAt = -Infinity
  #pending: Promise<void> | undefined
  /** Increases each time the fetched keys differ from the previous set. */
  generation = 0

  constructor(url: string, options: RemoteKeySetOptions) {
    this.#url = url
    this.#options = options
  }

  /** A jose `getKey` function: resolves the verification key for a token's header. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const now = this.#options.now()
    const coolingDown = now - this.#attemptedAt < this.#options.cooldownMs
    // With no set yet and an attempt within the cooldown, do not ask again: a cold outage must not become a fetch per request.
    if (!this.#local && coolingDown && !this.#pending) throw new ProviderUnavailableError(`JWKS ${this.#url} unavailable (retrying after the cooldown)`)
    if (!this.#local || (now - this.#loadedAt > this.#options.maxAgeMs && !coolingDown)) {
      await this.#refresh().catch((error: unknown) => {
        if (!this.#local) throw error
      })
    }
    const local = this.#local!
    try {
      return await local(header, token)
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || coolingDown) throw error
      await this.#refresh()
      return this.#local!(header, token)
    }
  }

  #refresh(): Promise<void> {
    this.#pending ??= this.#load().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #load(): Promise<void> {
    this.#attemptedAt = this.#options.now()
    let json: unknown
    try {
      const response = await this.#options.fetch(this.#url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        redirect: 'error',
      })
      if (response.status !== 200) throw new Error(`JWKS answered HTTP ${response.status}`)
      json = await response.json()
    } catch (cause) {
      throw new ProviderUnavailableError(`JWKS ${this.#url} unavailable`, { cause })
    }
    if (!isKeySet(json)) throw new ProviderUnavailableError(`JWKS ${this.#url} answered something that is not a key set`)
    const fingerprint = JSON.stringify(json.keys)
    if (fingerprint !== this.#fingerprint) {
      this.#local = createLocalJWKSet(json)
      this.#fingerprint = fingerprint
      this.generation++
    }
    this.#loadedAt = this.#options.now()
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys) && (value as JSONWebKeySet).keys.every((k) => typeof k === 'object' && k !== null)
}
