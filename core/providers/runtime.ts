import type { Config } from '../config/load.ts'
import { LoginThrottle } from '../policy/login-throttle.ts'
import { OAuthIntrospector } from './introspection.ts'
import { PasswordGrant } from './password-grant.ts'
import { JwtVerifier, type SignatureCheck } from './jwt-verifier.ts'

/**
 * The state an engine keeps between requests: fetched key sets, verified-token and
 * introspection caches, the login throttle. `createPortcullis` makes one; a bare
 * `authenticate()` call without one makes a fresh one (correct, but nothing is cached
 * or counted across calls). Make one with {@link createProviders} to keep it, and treat it
 * as opaque: pass it back to the engine; its fields are internal and may change.
 */
export interface Providers {
  /** `undefined` when JWTs are off or no issuer is configured. */
  readonly jwt: JwtVerifier | undefined
  /** `undefined` when OAuth tokens are off or neither introspection nor userinfo is configured. */
  readonly oauth: OAuthIntrospector | undefined
  /** `undefined` unless REST SSO is on. */
  readonly passwordGrant: PasswordGrant | undefined
  /** The login throttle of this process, for stores without `loginThrottle`. */
  readonly throttle: LoginThrottle
}

/** I/O for the providers. */
export interface ProviderIo {
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch | undefined
  /** Defaults to `Date.now`. */
  readonly now?: (() => number) | undefined
  /** A faster JWT signature check for this runtime; jose's WebCrypto verify without one. */
  readonly signatureCheck?: SignatureCheck | undefined
}

/**
 * Builds the provider state for a config: what a caller of the bare `authenticate()`
 * passes as `options.providers` on every call, so that key sets are fetched once, verified
 * tokens are remembered and failed passwords are counted across calls. Make a new one
 * when the config changes.
 *
 * @example
 * ```ts
 * import { authenticate, createProviders, loadConfig } from 'portcullis'
 *
 * const config = loadConfig(input)
 * const providers = createProviders(config, { now: Date.now })
 * const decision = await authenticate(request, config, stores, { now: Date.now, providers })
 * ```
 */
export function createProviders(config: Config, io: ProviderIo = {}): Providers {
  const fetchImpl = io.fetch ?? ((input, init) => fetch(input, init))
  const now = io.now ?? Date.now
  const { providers } = config
  return {
    jwt: config.jwt.enabled && config.jwt.issuers.length
      ? new JwtVerifier(config.jwt, {
          fetch: fetchImpl,
          now,
          timeoutMs: providers.timeoutMs,
          cooldownMs: providers.jwksCooldownSeconds * 1000,
          maxAgeMs: providers.jwksMaxAgeSeconds * 1000,
          signatureCheck: io.signatureCheck,
        })
      : undefined,
    oauth:
      config.oauth.enabled && (config.oauth.introspection || config.oauth.userinfoEndpoint)
        ? new OAuthIntrospector(config.oauth, { fetch: fetchImpl, now, timeoutMs: providers.timeoutMs })
        : undefined,
    passwordGrant: config.restSso.enabled ? new PasswordGrant(config.restSso, { fetch: fetchImpl, timeoutMs: providers.timeoutMs }) : undefined,
    throttle: new LoginThrottle(),
  }
}
