import type { Awaitable, Stores, User } from '../../storage/types.ts'
import { isThenable } from '../awaitable.ts'
import type { Config } from '../config/load.ts'
import type { OAuthIntrospector, TokenInfo } from '../providers/introspection.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates an opaque OAuth 2.0 access token checked at the provider.
 *
 * - Client credentials grant: an active token of one of `clientCredentials.clientIds`
 *   that names no user (with the configured scope) runs as `clientCredentials.serviceAccount`.
 * - Authorization grant: an active token runs as the user its username attribute names.
 *
 * Inactive or expired tokens, and a provider refusing the configured client
 * credentials, are the documented 401 "Expired Token / invalid_client_ID". A cached
 * answer and a synchronous directory give the result synchronously.
 */
export function authenticateOAuth(token: string, introspector: OAuthIntrospector, config: Config, stores: Stores): Awaitable<MethodResult> {
  const info = introspector.inspect(token)
  return isThenable(info) ? info.then((answer) => ofInfo(answer, config, stores)) : ofInfo(info, config, stores)
}

function ofInfo(info: TokenInfo, config: Config, stores: Stores): Awaitable<MethodResult> {
  if (!info.active) return { ok: false, error: 'client_credentials_invalid', detail: info.reason }
  const { clientCredentials, usernameAttribute } = config.oauth
  let username: string | undefined
  // A machine token names no user (or names the service account itself): a token a user got
  // through an accepted machine client stays that user's, never the service account's.
  const machine = info.username === undefined || info.username === clientCredentials.serviceAccount
  if (machine && info.clientId !== undefined && clientCredentials.clientIds.includes(info.clientId)) {
    if (clientCredentials.scope !== undefined && !info.scopes.includes(clientCredentials.scope)) {
      return { ok: false, error: 'client_credentials_invalid', detail: `token lacks scope ${clientCredentials.scope}` }
    }
    username = clientCredentials.serviceAccount
  } else {
    const attribute = info.username
    const pattern = config.compiled.oauthUsernamePattern
    username = attribute !== undefined && pattern !== undefined ? pattern.exec(attribute)?.[1] : attribute
    if (!username) {
      // A machine client we do not accept carries no user: an invalid client, not an unknown user.
      if (attribute === undefined && info.clientId !== undefined) return { ok: false, error: 'client_credentials_invalid', detail: `client ${info.clientId} is not an accepted machine client` }
      return { ok: false, error: 'user_not_found', detail: `no usable ${usernameAttribute} attribute` }
    }
  }
  const found = stores.users.find(username!)
  return isThenable(found) ? found.then((user) => ofUser(user, username!)) : ofUser(found, username!)
}

function ofUser(user: User | undefined, username: string): MethodResult {
  if (!user) return { ok: false, error: 'user_not_found', detail: `no user ${username}` }
  if (!user.active) return { ok: false, error: 'token_use_denied', user: user.username }
  return { ok: true, user, via: 'oauth' }
}
