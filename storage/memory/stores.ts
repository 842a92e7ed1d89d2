import { LoginThrottle } from '../../core/policy/login-throttle.ts'
import type { HostTokenVerifier, Stores } from '../types.ts'
import { MemoryAuditStore } from './audit.ts'
import { MemoryRateLimitStore } from './rate-limit.ts'
import { MemoryTokenStore } from './tokens.ts'
import { MemoryUserDirectory } from './users.ts'

/** Memory stores, typed concretely so tests and demos can seed them. */
export interface MemoryStores extends Stores {
  readonly tokens: MemoryTokenStore
  readonly users: MemoryUserDirectory
  readonly audit: MemoryAuditStore
  readonly rateLimit: MemoryRateLimitStore
  readonly loginThrottle: LoginThrottle
}

/**
 * A full set of in-memory stores.
 *
 * @example
 * ```ts
 * import { memoryStores } from 'portcullis/storage/memory'
 * const stores = memoryStores()
 * await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
 * ```
 */
export function memoryStores(options: { passwordIterations?: number; hostTokens?: HostTokenVerifier; hostOAuthTokens?: HostTokenVerifier } = {}): MemoryStores {
  return {
    tokens: new MemoryTokenStore(),
    users: new MemoryUserDirectory(options.passwordIterations === undefined ? {} : { iterations: options.passwordIterations }),
    audit: new MemoryAuditStore(),
    rateLimit: new MemoryRateLimitStore(),
    loginThrottle: new LoginThrottle(),
    ...(options.hostTokens && { hostTokens: options.hostTokens }),
    ...(options.hostOAuthTokens && { hostOAuthTokens: options.hostOAuthTokens }),
  }
}
