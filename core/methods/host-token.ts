import type { Stores } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import type { MethodResult } from './result.ts'

/** Authenticates a Bearer token that is not a Portcullis token with the host's own verifier. */
export async function authenticateHostToken(token: string, config: Config, stores: Stores): Promise<MethodResult> {
  if (!config.hostTokens.enabled || !stores.hostTokens) return { ok: false, error: 'api_token_invalid' }
  const username = await stores.hostTokens(token)
  if (username === undefined) return { ok: false, error: 'api_token_invalid' }
  const user = await stores.users.find(username)
  if (!user || user.username !== username) return { ok: false, error: 'api_token_invalid' }
  if (!user.active) return { ok: false, error: 'token_use_denied', user: user.username }
  return { ok: true, user, via: 'host-token' }
}
