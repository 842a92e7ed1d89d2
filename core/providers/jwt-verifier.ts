/**
 * JWT verification with jose, for the configured issuers. A token is matched to its
 * issuer by its (unverified) `iss`, then verified with that issuer's keys, algorithms and
 * claim rules only. Key URLs inside a token (`jku`, `x5u`) and an embedded `jwk` are
 * never followed or used: the keys come from configuration alone.
 *
 * Verified tokens are remembered by a hash of the token, never past their `exp` or
 * `jwt.cacheSeconds`, and not across a change of the issuer's keys.
 */
import { createLocalJWKSet, decodeJwt, importSPKI, importX509, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions, type JWSHeaderParameters } from 'jose'
import { LRUCache } from 'lru-cache'
import { anchored, type Config } from '../config/load.ts'
import type { ErrorId } from '../errors/catalog.ts'
import { hashToken } from '../tokens/format.ts'
import { ProviderUnavailableError } from './errors.ts'
import { RemoteKeySet } from './jwks.ts'

type IssuerConfig = Config['jwt']['issuers'][number]

/** The result of verifying a JWT: the username it names, or why it is refused. */
export type JwtResult =
  | { readonly ok: true; readonly username: string; readonly issuer: string }
  | { readonly ok: false; readonly error: Extract<ErrorId, 'jwt_invalid' | 'jwt_expired' | 'user_not_found'>; readonly reason: string }

/** I/O and limits of a {@link JwtVerifier}. */
export interface JwtVerifierOptions {
  readonly fetch: typeof fetch
  readonly now: () => number
  readonly timeoutMs: number
  readonly cooldownMs: number
  readonly maxAgeMs: number
}

interface Issuer {
  readonly config: IssuerConfig
  /** jose's options for this issuer at a given time. */
  readonly verifyOptions: (currentDate: Date) => JWTVerifyOptions
  readonly getKey: JWTVerifyGetKey
  readonly pattern: RegExp | undefined
  /** Changes when the issuer's keys change; cache entries of another generation are ignored. */
  readonly generation: () => number
}

interface Verified {
  readonly username: string
  readonly issuer: string
  readonly generation: number
}

const jwsCompact = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Whether a Bearer value has the JWS compact shape (three base64url parts; an empty signature is an unsecured JWT, refused as one). */
export function looksLikeJwt(token: string): boolean {
  return jwsCompact.test(token)
}

/** Verifies JWTs for the configured issuers. */
export class JwtVerifier {
  readonly #issuers = new Map<string, Issuer>()
  readonly #cache: LRUCache<string, Verified> | undefined
  readonly #now: () => number

  constructor(config: Config['jwt'], options: JwtVerifierOptions) {
    this.#now = options.now
    for (const issuer of config.issuers) this.#issuers.set(issuer.issuer, compileIssuer(issuer, options))
    if (config.cacheSeconds > 0) {
      // ttlResolution 0: read the injected clock on every check (lru-cache otherwise reuses a reading until a timer clears it).
      this.#cache = new LRUCache({ max: config.cacheEntries, ttl: config.cacheSeconds * 1000, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.now } })
    }
  }

  /** Whether a token's (unverified) `iss` names a configured issuer. */
  knowsIssuer(token: string): boolean {
    try {
      const { iss } = decodeJwt(token)
      return typeof iss === 'string' && this.#issuers.has(iss)
    } catch {
      return false
    }
  }

  /**
   * Verifies a token. Throws (or rejects with) {@link ProviderUnavailableError} when the
   * issuer's keys cannot be fetched; every other problem is a refusal. A token in the
   * cache is answered synchronously.
   */
  verify(token: string): JwtResult | Promise<JwtResult> {
    const key = this.#cache && hashToken(token)
    const hit = key === undefined ? undefined : this.#cache!.get(key)
    if (hit && hit.generation === this.#issuers.get(hit.issuer)?.generation()) return { ok: true, username: hit.username, issuer: hit.issuer }
    return this.#verifyFresh(token, key)
  }

  async #verifyFresh(token: string, key: string | undefined): Promise<JwtResult> {
    let iss: unknown
    try {
      iss = decodeJwt(token).iss
    } catch {
      return { ok: false, error: 'jwt_invalid', reason: 'not a JWT' }
    }
    const issuer = typeof iss === 'string' ? this.#issuers.get(iss) : undefined
    if (!issuer) return { ok: false, error: 'jwt_invalid', reason: 'unknown issuer' }
    const { config } = issuer
    const generation = issuer.generation()
    let payload
    try {
      ;({ payload } = await jwtVerify(token, issuer.getKey, issuer.verifyOptions(new Date(this.#now()))))
    } catch (error) {
      if (error instanceof ProviderUnavailableError) throw error
      const code = (error as { code?: string }).code ?? 'ERR_UNKNOWN'
      return { ok: false, error: code === 'ERR_JWT_EXPIRED' ? 'jwt_expired' : 'jwt_invalid', reason: code }
    }

    const claim = payload[config.usernameClaim]
    if (typeof claim !== 'string' || claim === '') return { ok: false, error: 'user_not_found', reason: `no ${config.usernameClaim} claim` }
    const username = issuer.pattern ? issuer.pattern.exec(claim)?.[1] : claim
    if (!username) return { ok: false, error: 'user_not_found', reason: `${config.usernameClaim} claim does not match usernamePattern` }

    if (this.#cache && key !== undefined) {
      const expiresAt = Math.min(
        typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity,
        // A token older than maxLifetimeSeconds is refused: it must not be served from the cache past that either.
        config.maxLifetimeSeconds !== undefined && typeof payload.iat === 'number' ? (payload.iat + config.maxLifetimeSeconds) * 1000 : Infinity,
      )
      const left = expiresAt - this.#now()
      if (left > 0) this.#cache.set(key, { username, issuer: config.issuer, generation }, { ttl: Math.min(left, this.#cache.ttl) })
    }
    return { ok: true, username, issuer: config.issuer }
  }
}

/** jose's verify options of an issuer, built once: only the time changes per token. */
function verifyOptionsOf(config: IssuerConfig): (currentDate: Date) => JWTVerifyOptions {
  const algorithms = [...config.algorithms]
  const audience = config.audience === undefined || typeof config.audience === 'string' ? config.audience : [...config.audience]
  const requiredClaims = config.requireExp ? ['exp'] : []
  const { issuer, clockToleranceSeconds: clockTolerance, maxLifetimeSeconds: maxTokenAge, typ } = config
  return (currentDate) => {
    // Written out: jose reads each option only when set, and a spread per token costs microseconds on Node 20.
    const options: JWTVerifyOptions = { algorithms, issuer, clockTolerance, requiredClaims, currentDate }
    if (audience !== undefined) options.audience = audience
    if (maxTokenAge !== undefined) options.maxTokenAge = maxTokenAge
    if (typ !== undefined) options.typ = typ
    return options
  }
}

function compileIssuer(config: IssuerConfig, options: JwtVerifierOptions): Issuer {
  const pattern = config.usernamePattern === undefined ? undefined : anchored(config.usernamePattern)
  const verifyOptions = verifyOptionsOf(config)
  if (config.jwksUri !== undefined) {
    const remote = new RemoteKeySet(config.jwksUri, options)
    return { config, verifyOptions, pattern, getKey: remote.getKey, generation: () => remote.generation }
  }
  if (config.jwks !== undefined) {
    const local = createLocalJWKSet({ keys: config.jwks.keys.map((k) => ({ ...k })) })
    return { config, verifyOptions, pattern, getKey: local, generation: () => 0 }
  }
  // A PEM key or certificate is imported once per algorithm a token asks for (jose binds a key to one).
  const imported = new Map<string, ReturnType<typeof importSPKI>>()
  const pem = (config.publicKey ?? config.certificate)!
  const importKey = config.publicKey !== undefined ? importSPKI : importX509
  const getKey = (header: JWSHeaderParameters) => {
    const alg = header.alg!
    let key = imported.get(alg)
    if (!key) imported.set(alg, (key = importKey(pem, alg)))
    return key
  }
  return { config, verifyOptions, pattern, getKey, generation: () => 0 }
}
