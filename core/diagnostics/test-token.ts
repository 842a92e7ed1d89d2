/**
 * The test-token diagnostic: given a token and its type, whether it is valid, whose it
 * is, which check failed and why, and how long it has left. The token itself is never
 * part of the answer.
 */
import { decodeJwt } from 'jose'
import type { Stores } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import { catalog } from '../errors/catalog.ts'
import { authenticateApiToken } from '../methods/api-token.ts'
import { authenticateJwt } from '../methods/jwt.ts'
import { looksLikeJwt } from '../providers/jwt-verifier.ts'
import { authenticateOAuth } from '../methods/oauth.ts'
import type { MethodResult } from '../methods/result.ts'
import { ProviderUnavailableError } from '../providers/errors.ts'
import type { Providers } from '../providers/runtime.ts'
import { hashToken, isWellFormedToken } from '../tokens/format.ts'

/** The kinds of token the diagnostic can test. */
export const testableTokenTypes = ['api-token', 'jwt', 'oauth'] as const
/** A testable token type. */
export type TestableTokenType = (typeof testableTokenTypes)[number]

/** The diagnostic's answer. */
export interface TokenDiagnosis {
  readonly type: TestableTokenType
  readonly valid: boolean
  /** The user the token authenticates as, when it does. */
  readonly user?: string
  /** `ok`, or the catalog id of the check that failed. */
  readonly check: string
  /** A sentence for a human: the catalog message, and the detail when there is one. */
  readonly reason: string
  /** Seconds until expiry (negative when past), `null` when it never expires, absent when unknown. */
  readonly expiresInSeconds?: number | null
}

/** Tests a token as the engine would, without the request-level policy (IP, groups, rate limit). */
export async function testToken(type: TestableTokenType, token: string, config: Config, stores: Stores, providers: Providers, now: number): Promise<TokenDiagnosis> {
  let result: MethodResult
  try {
    result = await run(type, token, config, stores, providers, now)
  } catch (error) {
    const unavailable = error instanceof ProviderUnavailableError
    const check = unavailable ? 'provider_unavailable' : 'store_unavailable'
    return { type, valid: false, check, reason: unavailable ? `${catalog[check].message}: ${error.message}` : catalog[check].message }
  }
  const expiresInSeconds = await expiry(type, token, stores, now)
  const expiresField = expiresInSeconds === undefined ? {} : { expiresInSeconds }
  if (result.ok) return { type, valid: true, user: result.user.username, check: 'ok', reason: `valid for ${result.user.username}`, ...expiresField }
  const message: string = catalog[result.error].message
  return {
    type,
    valid: false,
    ...(result.user !== undefined && { user: result.user }),
    check: result.error,
    reason: result.detail ? `${message} (${result.detail})` : message,
    ...expiresField,
  }
}

function run(type: TestableTokenType, token: string, config: Config, stores: Stores, providers: Providers, now: number): Promise<MethodResult> | MethodResult {
  switch (type) {
    case 'api-token':
      if (!isWellFormedToken(token)) return { ok: false, error: 'api_token_invalid', detail: 'not a Portcullis token: wrong prefix, length or checksum' }
      return authenticateApiToken(token, undefined, config, stores, now)
    case 'jwt':
      if (!providers.jwt) return { ok: false, error: 'jwt_invalid', detail: config.jwt.enabled ? 'no JWT issuer is configured' : 'JWTs are off (jwt.enabled)' }
      // The verifier takes the JWS compact shape only, as the engine routes it.
      if (!looksLikeJwt(token)) return { ok: false, error: 'jwt_invalid', detail: 'not a JWT: not three base64url parts' }
      return authenticateJwt(token, providers.jwt, stores)
    case 'oauth':
      if (!providers.oauth) return { ok: false, error: 'client_credentials_invalid', detail: config.oauth.enabled ? 'no OAuth provider is configured' : 'OAuth tokens are off (oauth.enabled)' }
      return authenticateOAuth(token, providers.oauth, config, stores)
  }
}

async function expiry(type: TestableTokenType, token: string, stores: Stores, now: number): Promise<number | null | undefined> {
  if (type === 'api-token') {
    if (!isWellFormedToken(token)) return undefined
    const record = await stores.tokens.findByHash(hashToken(token))
    return record === undefined ? undefined : record.expiresAt === null ? null : Math.floor((record.expiresAt - now) / 1000)
  }
  if (type === 'jwt') {
    try {
      const { exp } = decodeJwt(token)
      return typeof exp === 'number' ? exp - Math.floor(now / 1000) : null
    } catch {
      return undefined
    }
  }
  return undefined
}
