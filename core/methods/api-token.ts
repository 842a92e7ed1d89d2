import type { Stores } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import { holds } from '../policy/permissions.ts'
import { isThenable } from '../awaitable.ts'
import { hashToken, isWellFormedToken } from '../tokens/format.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a Portcullis API token (anything with the `pcl_` prefix). With Basic credentials,
 * `basicUsername` must name the token's owner (by username or email address).
 */
export async function authenticateApiToken(
  token: string,
  basicUsername: string | undefined,
  config: Config,
  stores: Stores,
  now: number,
): Promise<MethodResult> {
  if (!config.apiTokens.enabled) return { ok: false, error: 'api_token_invalid' }
  // A bad checksum is a typo or a forgery: refused without a store lookup.
  if (!isWellFormedToken(token)) return { ok: false, error: 'api_token_invalid', detail: 'checksum or length wrong' }
  // No await for a synchronous store's answer: on this path every microtask shows.
  const found = stores.tokens.findByHash(hashToken(token))
  const record = isThenable(found) ? await found : found
  if (!record || (record.expiresAt !== null && record.expiresAt <= now)) return { ok: false, error: 'api_token_invalid' }
  const owner = stores.users.find(record.owner)
  const user = isThenable(owner) ? await owner : owner
  if (!user || user.username !== record.owner) return { ok: false, error: 'api_token_invalid' }
  if (basicUsername !== undefined && basicUsername !== user.username && basicUsername.toLowerCase() !== user.email.toLowerCase()) {
    return { ok: false, error: 'api_token_invalid' }
  }
  if (!user.active || !holds(user, config.compiled.grants.use, config)) {
    return { ok: false, error: 'token_use_denied', user: user.username }
  }
  return { ok: true, user, via: 'api-token', tokenId: record.id }
}
