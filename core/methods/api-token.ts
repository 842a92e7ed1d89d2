import type { Awaitable, Stores, TokenRecord, User } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import { holds } from '../policy/permissions.ts'
import { isThenable } from '../awaitable.ts'
import { hashToken, isWellFormedToken } from '../tokens/format.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a Portcullis API token (anything with the `pcl_` prefix). With Basic credentials,
 * `basicUsername` must name the token's owner (by username or email address).
 *
 * Not `async`: with synchronous stores (memory, SQLite) the answer comes back in the same
 * call, and the whole decision with it; a promise per step would cost more than the lookups.
 */
export function authenticateApiToken(
  token: string,
  basicUsername: string | undefined,
  config: Config,
  stores: Stores,
  now: number,
): Awaitable<MethodResult> {
  if (!config.apiTokens.enabled) return { ok: false, error: 'api_token_invalid' }
  // A bad checksum is a typo or a forgery: refused without a store lookup.
  if (!isWellFormedToken(token)) return { ok: false, error: 'api_token_invalid', detail: 'checksum or length wrong' }
  const found = stores.tokens.findByHash(hashToken(token))
  return isThenable(found) ? found.then((record) => ofRecord(record, basicUsername, config, stores, now)) : ofRecord(found, basicUsername, config, stores, now)
}

function ofRecord(record: TokenRecord | undefined, basicUsername: string | undefined, config: Config, stores: Stores, now: number): Awaitable<MethodResult> {
  if (!record || (record.expiresAt !== null && record.expiresAt <= now)) return { ok: false, error: 'api_token_invalid' }
  const owner = stores.users.find(record.owner)
  return isThenable(owner) ? owner.then((user) => ofOwner(user, record, basicUsername, config)) : ofOwner(owner, record, basicUsername, config)
}

function ofOwner(user: User | undefined, record: TokenRecord, basicUsername: string | undefined, config: Config): MethodResult {
  if (!user || user.username !== record.owner) return { ok: false, error: 'api_token_invalid' }
  if (basicUsername !== undefined && basicUsername !== user.username && basicUsername.toLowerCase() !== user.email.toLowerCase()) {
    return { ok: false, error: 'api_token_invalid' }
  }
  if (!user.active || !holds(user, config.compiled.grants.use, config)) {
    return { ok: false, error: 'token_use_denied', user: user.username }
  }
  return { ok: true, user, via: 'api-token', tokenId: record.id }
}
