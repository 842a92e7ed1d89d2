/**
 * JWT verification with jose, for the configured issuers. A token is matched to its
 * issuer by its (unverified) `iss`, then verified with that issuer's keys, algorithms and
 * claim rules only. Key URLs inside a token (`jku`, `x5u`) and an embedded `jwk` are
 * never followed or used: the keys come from configuration alone.
 *
 * A runtime may supply a faster signature check ({@link SignatureCheck}); jose still
 * decodes the header, selects and imports the key, and validates the claims.
 *
 * Verified tokens are remembered by a hash of the token, never past their `exp` or
 * `jwt.cacheSeconds`, and not across a change of the issuer's keys.
 */
import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importSPKI,
  importX509,
  jwtVerify,
  UnsecuredJWT,
  type CompactJWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWSHeaderParameters,
} from 'jose'
import { LRUCache } from 'lru-cache'
import type { Awaitable } from '../../storage/types.ts'
import { isThenable } from '../awaitable.ts'
import { anchored, type Config } from '../config/load.ts'
import type { ErrorId } from '../errors/catalog.ts'
import { hashToken } from '../tokens/format.ts'
import { ProviderUnavailableError } from './errors.ts'
import { RemoteKeySet } from './jwks.ts'

type IssuerConfig = Config['jwt']['issuers'][number]

/**
 * A synchronous JWS signature check that a runtime may supply in place of jose's
 * WebCrypto verify, which is asynchronous and, on Node, several times slower (see
 * `nodeSignatureCheck` in `portcullis/node`).
 *
 * It is called only for a token jose would go on to verify: a plain compact JWS header
 * (no `crit`, no `b64`), an `alg` in the issuer's allowlist, and a public `key` jose
 * accepts for that `alg` (algorithm, hash or curve, `verify` usage, RSA of 2048 bits or
 * more). `signingInput` is `header.payload` (ASCII) and `signature` the third part, both
 * as the token carries them: a runtime decodes base64url natively far faster than a
 * portable loop. Key selection and the claim checks stay jose's.
 *
 * @returns `true` for a valid signature, `false` for an invalid one (the token is refused
 * as jose refuses it), `undefined` when this check does not handle `alg` or `key`: jose
 * then verifies. A check that throws is treated as `undefined`.
 *
 * @example
 * ```ts
 * import { createPortcullis } from 'portcullis'
 * import { nodeSignatureCheck } from 'portcullis/node'
 *
 * const portcullis = createPortcullis({ config, stores, signatureCheck: nodeSignatureCheck })
 * ```
 */
export type SignatureCheck = (alg: string, key: CryptoKey, signingInput: string, signature: string) => boolean | undefined

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
  /** Checks signatures in place of jose's WebCrypto verify where it can; jose otherwise. */
  readonly signatureCheck?: SignatureCheck | undefined
}

interface Issuer {
  readonly config: IssuerConfig
  /** jose's options for this issuer at a given time. */
  readonly verifyOptions: (currentDate: Date) => JWTVerifyOptions
  readonly getKey: JWTVerifyGetKey
  /**
   * The key itself once known, for an issuer with one key and one algorithm: jose's path
   * for a key is shorter than for a key function (no await of it, no copy of the result).
   */
  readonly key: () => CryptoKey | undefined
  readonly algorithms: ReadonlySet<string>
  /** The encoded `{"alg":"none"[,"typ"]}` header the claims are validated under, for a token with this `typ`. */
  readonly claimsHeader: (typ: unknown) => string
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
  readonly #check: SignatureCheck | undefined
  /**
   * The issuer, when it is the only one and its keys are local: a token is then verified
   * without decoding its `iss` first (jose checks `iss` against it anyway), which spares a
   * decode of the payload per token. With a JWKS URL, a token of another issuer must not
   * reach the key fetch.
   */
  readonly #local: Issuer | undefined

  constructor(config: Config['jwt'], options: JwtVerifierOptions) {
    this.#now = options.now
    this.#check = options.signatureCheck
    for (const issuer of config.issuers) this.#issuers.set(issuer.issuer, compileIssuer(issuer, options))
    const [only] = config.issuers
    this.#local = config.issuers.length === 1 && only!.jwksUri === undefined ? this.#issuers.get(only!.issuer) : undefined
    if (config.cacheSeconds > 0) {
      // ttlResolution 0: read the injected clock on every check (lru-cache otherwise reuses a reading until a timer clears it).
      this.#cache = new LRUCache({ max: config.cacheEntries, ttl: config.cacheSeconds * 1000, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.now } })
    }
  }

  /** The issuer a token's (unverified) `iss` names, or why there is none. */
  #issuerOf(token: string): Issuer | Extract<JwtResult, { ok: false }> {
    let iss: unknown
    try {
      iss = issuerClaim(token)
    } catch {
      return { ok: false, error: 'jwt_invalid', reason: 'not a JWT' }
    }
    return (typeof iss === 'string' && this.#issuers.get(iss)) || { ok: false, error: 'jwt_invalid', reason: 'unknown issuer' }
  }

  /** Whether a token's (unverified) `iss` names a configured issuer. */
  knowsIssuer(token: string): boolean {
    try {
      const iss = issuerClaim(token)
      return typeof iss === 'string' && this.#issuers.has(iss)
    } catch {
      return false
    }
  }

  /**
   * Verifies a token of the JWS compact shape: callers ask {@link looksLikeJwt} first (the
   * engine to route a Bearer value, `testToken` to refuse anything else), and the
   * signature check relies on it. `key`: its {@link cacheKey}, when the caller has it.
   * Throws (or rejects with) {@link ProviderUnavailableError} when the issuer's keys
   * cannot be fetched; every other problem is a refusal. A token in the cache is answered
   * synchronously.
   */
  verify(token: string, key: string | undefined = this.cacheKey(token)): JwtResult | Promise<JwtResult> {
    const hit = this.#hit(key)
    if (hit) return { ok: true, username: hit.username, issuer: hit.issuer }
    return this.#verifyFresh(token, key)
  }

  /** The token's key in the verified-token cache (`undefined` with the cache off), for {@link remembers} and `verify`. */
  cacheKey(token: string): string | undefined {
    return this.#cache && hashToken(token)
  }

  /**
   * Whether the verified-token cache holds the token of this key: it passed the JWS shape
   * and issuer checks when it was verified, so the engine may route it here without
   * scanning it again (a few hundred characters, twice).
   */
  remembers(key: string): boolean {
    return this.#hit(key) !== undefined
  }

  /** A cached verification still valid under its issuer's current keys. */
  #hit(key: string | undefined): Verified | undefined {
    const hit = key === undefined ? undefined : this.#cache!.get(key)
    return hit && hit.generation === this.#issuers.get(hit.issuer)?.generation() ? hit : undefined
  }

  /** Not `async`: with a key at hand and a synchronous signature check, the answer comes in the same call. */
  #verifyFresh(token: string, key: string | undefined): Awaitable<JwtResult> {
    const issuer = this.#local ?? this.#issuerOf(token)
    if (!('config' in issuer)) return issuer
    const generation = issuer.generation()
    let payload: Awaitable<JWTPayload>
    try {
      const options = issuer.verifyOptions(new Date(this.#now()))
      payload = this.#check ? checked(token, issuer, options, this.#check) : verifiedPayload(token, issuer, options)
    } catch (error) {
      return this.#refused(token, error)
    }
    return isThenable(payload)
      ? payload.then((verified) => this.#accepted(verified, issuer, generation, key), (error: unknown) => this.#refused(token, error))
      : this.#accepted(payload, issuer, generation, key)
  }

  /** Why a token failed verification; a provider that could not be reached is thrown on, not a refusal. */
  #refused(token: string, error: unknown): JwtResult {
    if (error instanceof ProviderUnavailableError) throw error
    // Verified before being routed: a token of another issuer is refused as one, as when routed first.
    const routed = this.#local && this.#issuerOf(token)
    if (routed && !('config' in routed)) return routed
    const code = (error as { code?: string }).code ?? 'ERR_UNKNOWN'
    return { ok: false, error: code === 'ERR_JWT_EXPIRED' ? 'jwt_expired' : 'jwt_invalid', reason: code }
  }

  /** The username of a verified token, remembered in the cache until the token may no longer be used. */
  #accepted(payload: JWTPayload, issuer: Issuer, generation: number, key: string | undefined): JwtResult {
    const { config } = issuer
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

const nonAscii = /[^\x00-\x7f]/

/**
 * The decoded JSON of a base64url token part, or `undefined` when it is not ASCII. jose's
 * decoder (base64url to bytes, then a UTF-8 TextDecoder) costs a few microseconds on
 * Node 20; `atob` gives one character per byte, which reads the same as UTF-8 only for ASCII.
 */
function asciiJson(part: string): unknown {
  const text = atob(part.replace(/-/g, '+').replace(/_/g, '/'))
  return nonAscii.test(text) ? undefined : JSON.parse(text)
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A token's unverified `iss`, to pick its issuer; throws when the token has no JSON object
 * payload. jose reads every part again when it verifies, so this only routes.
 */
function issuerClaim(token: string): unknown {
  const parts = token.split('.')
  const claims = parts.length === 3 && parts[1] ? asciiJson(parts[1]) : undefined
  if (claims === undefined) return decodeJwt(token).iss
  if (!isObject(claims)) throw new TypeError('not a JWT claims set')
  return claims.iss
}

/** What jose requires of a CryptoKey for each algorithm a JWT may use (its `checkCryptoKey` and `checkModulusLength`). */
const keyRules: Readonly<Record<string, { readonly name: string; readonly hash?: string; readonly namedCurve?: string }>> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
}

/**
 * Whether jose would verify a JWS of `alg` with this key rather than refuse it (its
 * algorithm, hash or curve, `verify` usage, RSA of 2048 bits or more). The core asks it
 * before calling a {@link SignatureCheck}; a check called on its own can ask it too.
 *
 * @example
 * ```ts
 * if (!keyFitsAlgorithm(alg, key)) return undefined // jose decides
 * ```
 */
export function keyFitsAlgorithm(alg: string, key: unknown): key is CryptoKey {
  const rule = keyRules[alg]
  if (!rule || typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey)) return false
  let verdicts = fitting.get(key)
  if (!verdicts) fitting.set(key, (verdicts = new Map()))
  let verdict = verdicts.get(alg)
  if (verdict === undefined) verdicts.set(alg, (verdict = fits(rule, key)))
  return verdict
}

/**
 * {@link keyFitsAlgorithm}'s verdicts per key and algorithm. A CryptoKey never changes,
 * and reading its `algorithm` and `usages` copies them: about a microsecond a token, twice
 * with a check that asks too.
 */
const fitting = new WeakMap<CryptoKey, Map<string, boolean>>()

function fits(rule: (typeof keyRules)[string] & {}, key: CryptoKey): boolean {
  if (key.type !== 'public' || !key.usages.includes('verify')) return false
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number }
  if (algorithm.name !== rule.name) return false
  if (rule.hash !== undefined && (algorithm.hash?.name !== rule.hash || !((algorithm.modulusLength ?? 0) >= 2048))) return false
  return rule.namedCurve === undefined || algorithm.namedCurve === rule.namedCurve
}

/** jose's `jwtVerify`, with the issuer's key itself when it is known, else its key function. */
function verifiedPayload(token: string, issuer: Issuer, options: JWTVerifyOptions): Promise<JWTPayload> {
  return payloadOf(jwtVerify(token, issuer.key() ?? issuer.getKey, options))
}

/**
 * Verifies with the injected signature check where jose would reach its WebCrypto verify,
 * and with jose alone for anything else: a header jose treats specially (`crit`, `b64`),
 * an algorithm outside the allowlist, a key jose would refuse, a part jose would not
 * decode, or a check that does not answer. The key is resolved once: a fallback after
 * that hands jose the key itself, so a remote key set is not asked twice.
 *
 * The claims are then validated by jose's `UnsecuredJWT.decode` on the original payload
 * under a synthetic `{"alg":"none"}` header carrying the token's `typ`: in jose 6 it runs
 * the same claim validation as `jwtVerify` (which reads only `typ` from the header).
 */
function checked(token: string, issuer: Issuer, options: JWTVerifyOptions, check: SignatureCheck): Awaitable<JWTPayload> {
  const parts = token.split('.') as [string, string, string]
  // Characters are not tested again (see `verify`). An empty signature, an unsecured JWT,
  // is jose's to refuse, as is any other number of parts, should a caller skip that rule.
  if (parts.length !== 3 || parts[2] === '') return verifiedPayload(token, issuer, options)
  const header = protectedHeader(parts[0], token)
  if (!isObject(header) || 'crit' in header || 'b64' in header || typeof header.alg !== 'string' || !issuer.algorithms.has(header.alg)) {
    return verifiedPayload(token, issuer, options)
  }
  const signed = header as Record<string, unknown> & { alg: string }
  const known = issuer.key()
  if (known !== undefined) return checkedWith(known, signed, parts, token, issuer, options, check)
  return Promise.resolve(issuer.getKey(header as CompactJWSHeaderParameters, { protected: parts[0], payload: parts[1], signature: parts[2] })).then((key) =>
    checkedWith(key, signed, parts, token, issuer, options, check),
  )
}

/** Longest protected header part {@link protectedHeader} remembers. */
const maxHeaderLength = 512
/** Decoded protected headers by their encoded part, the most recently used few hundred. */
const headers = new LRUCache<string, Readonly<Record<string, unknown>>>({ max: 256 })

/**
 * The decoded protected header of a token, `undefined` when it is not a JSON object. The
 * tokens of one issuer and key share theirs, so decoded headers are remembered (frozen:
 * jose's key function gets them) by their encoded form.
 */
function protectedHeader(part: string, token: string): Readonly<Record<string, unknown>> | undefined {
  const remembered = headers.get(part)
  if (remembered !== undefined) return remembered
  let decoded: unknown
  try {
    decoded = asciiJson(part) ?? decodeProtectedHeader(token)
  } catch {
    return undefined
  }
  if (!isObject(decoded)) return undefined
  const header = Object.freeze(decoded)
  if (part.length <= maxHeaderLength) headers.set(part, header)
  return header
}

/** {@link checked} once the key is known. */
function checkedWith(key: unknown, header: Record<string, unknown> & { alg: string }, [protectedPart, payloadPart, signaturePart]: [string, string, string], token: string, issuer: Issuer, options: JWTVerifyOptions, check: SignatureCheck): Awaitable<JWTPayload> {
  const { alg } = header
  // A part of 4n+1 characters is not base64url: jose refuses it, where a native decoder
  // (Buffer's) would drop the last character and still check the signature.
  if (!keyFitsAlgorithm(alg, key) || payloadPart.length % 4 === 1 || signaturePart.length % 4 === 1) return payloadOf(jwtVerify(token, key as CryptoKey, options))
  let valid: boolean | undefined
  try {
    valid = check(alg, key, `${protectedPart}.${payloadPart}`, signaturePart)
  } catch {
    valid = undefined
  }
  if (valid === undefined) return payloadOf(jwtVerify(token, key, options))
  if (!valid) throw new errors.JWSSignatureVerificationFailed()
  return UnsecuredJWT.decode(`${issuer.claimsHeader(header.typ)}.${payloadPart}.`, options).payload
}

const payloadOf = (verified: Promise<{ payload: JWTPayload }>): Promise<JWTPayload> => verified.then((result) => result.payload)

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

const encodeHeader = (header: object) => base64url.encode(JSON.stringify(header))

/** The synthetic headers of an issuer's claim validation: jose reads `typ` from the header only when the issuer sets `typ`. */
function claimsHeaderOf(config: IssuerConfig): (typ: unknown) => string {
  const plain = encodeHeader({ alg: 'none' })
  if (config.typ === undefined) return () => plain
  const expected = config.typ
  const matching = encodeHeader({ alg: 'none', typ: expected })
  return (typ) => (typ === expected ? matching : encodeHeader({ alg: 'none', typ }))
}

function compileIssuer(config: IssuerConfig, options: JwtVerifierOptions): Issuer {
  const common = {
    config,
    verifyOptions: verifyOptionsOf(config),
    pattern: config.usernamePattern === undefined ? undefined : anchored(config.usernamePattern),
    algorithms: new Set<string>(config.algorithms),
    claimsHeader: claimsHeaderOf(config),
  }
  const unknown = () => undefined
  if (config.jwksUri !== undefined) {
    const remote = new RemoteKeySet(config.jwksUri, options)
    return { ...common, getKey: remote.getKey, key: unknown, generation: () => remote.generation }
  }
  if (config.jwks !== undefined) {
    const local = createLocalJWKSet({ keys: config.jwks.keys.map((k) => ({ ...k })) })
    return { ...common, getKey: local, key: unknown, generation: () => 0 }
  }
  // A PEM key or certificate is imported once per algorithm a token asks for (jose binds a key to one).
  const imported = new Map<string, Promise<CryptoKey>>()
  const pem = (config.publicKey ?? config.certificate)!
  const importKey = config.publicKey !== undefined ? importSPKI : importX509
  // With one algorithm there is one key, and jose refuses any other algorithm before it looks at the key: hand it over directly.
  const single = config.algorithms.length === 1
  let singleKey: CryptoKey | undefined
  const getKey = (header: JWSHeaderParameters) => {
    const alg = header.alg!
    let key = imported.get(alg)
    if (!key) {
      imported.set(alg, (key = importKey(pem, alg)))
      if (single) key.then((k) => (singleKey = k), () => {})
    }
    return key
  }
  return { ...common, getKey, key: () => singleKey, generation: () => 0 }
}
