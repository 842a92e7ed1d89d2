import type { Awaitable, Stores, User } from '../../storage/types.ts'
import { isThenable } from '../awaitable.ts'
import type { JwtResult, JwtVerifier } from '../providers/jwt-verifier.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a JWT: verified by its issuer's rules, then its username must name an
 * active user of the directory (by username or email address). A token in the verifier's
 * cache and a synchronous directory give the answer synchronously. `cacheKey`: the
 * token's key in that cache, when the caller computed it already.
 */
export function authenticateJwt(token: string, verifier: JwtVerifier, stores: Stores, cacheKey: string | undefined = verifier.cacheKey(token)): Awaitable<MethodResult> {
  const verified = verifier.verify(token, cacheKey)
  return isThenable(verified) ? verified.then((result) => ofVerified(result, stores)) : ofVerified(verified, stores)
}

function ofVerified(verified: JwtResult, stores: Stores): Awaitable<MethodResult> {
  if (!verified.ok) return { ok: false, error: verified.error, detail: verified.reason }
  const found = stores.users.find(verified.username)
  return isThenable(found) ? found.then((user) => ofUser(user, verified.username)) : ofUser(found, verified.username)
}

function ofUser(user: User | undefined, username: string): MethodResult {
  if (!user) return { ok: false, error: 'user_not_found', detail: `no user ${username}` }
  if (!user.active) return { ok: false, error: 'token_use_denied', user: user.username }
  return { ok: true, user, via: 'jwt' }
}
