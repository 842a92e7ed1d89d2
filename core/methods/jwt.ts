import type { Stores } from '../../storage/types.ts'
import type { JwtVerifier } from '../providers/jwt-verifier.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a JWT: verified by its issuer's rules, then its username must name an
 * active user of the directory (by username or email address).
 */
export async function authenticateJwt(token: string, verifier: JwtVerifier, stores: Stores): Promise<MethodResult> {
  const verified = await verifier.verify(token)
  if (!verified.ok) return { ok: false, error: verified.error, detail: verified.reason }
  const user = await stores.users.find(verified.username)
  if (!user) return { ok: false, error: 'user_not_found', detail: `no user ${verified.username}` }
  if (!user.active) return { ok: false, error: 'token_use_denied', user: user.username }
  return { ok: true, user, via: 'jwt' }
}
