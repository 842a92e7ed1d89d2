import type { HostTokenVerifier, Stores } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import type { AuthMethod } from '../decision.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a Bearer token that is not a Portcullis token with the host's own
 * verifiers, each behind its toggle: its personal access tokens first, then its native
 * OAuth access tokens.
 */
export async function authenticateHostToken(token: string, config: Config, stores: Stores): Promise<MethodResult> {
  const kinds: [HostTokenVerifier | undefined, AuthMethod][] = [
    [config.hostTokens.enabled ? stores.hostTokens : undefined, 'host-token'],
    [config.hostTokens.oauth ? stores.hostOAuthTokens : undefined, 'host-oauth'],
  ]
  for (const [verifier, via] of kinds) {
    const username = verifier && (await verifier(token))
    if (username === undefined) continue
    const user = await stores.users.find(username)
    if (!user || user.username !== username) return { ok: false, error: 'api_token_invalid' }
    if (!user.active) return { ok: false, error: 'token_use_denied', user: user.username }
    return { ok: true, user, via }
  }
  return { ok: false, error: 'api_token_invalid' }
}
