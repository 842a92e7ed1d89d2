import type { HostTokenVerifier, Stores } from '../types.ts'
import { RedisAuditStore, type RedisAuditOptions } from './audit.ts'
import type { RedisClient } from './client.ts'
import { redisKeys } from './keys.ts'
import { RedisLoginThrottleStore } from './login-throttle.ts'
import { RedisRateLimitStore } from './rate-limit.ts'
import { RedisTokenStore } from './tokens.ts'
import { RedisUserDirectory } from './users.ts'

/** Options of {@link redisStores}. */
export interface RedisStoresOptions {
  /**
   * The ioredis client (or cluster) the stores use; the host creates, connects and quits
   * it. Create it with {@link redisClientOptions} (or set `commandTimeout` and
   * `maxRetriesPerRequest` yourself): with ioredis's defaults a command issued while
   * Redis is down waits 10 s or more before failing.
   */
  readonly redis: RedisClient
  /** Namespace of every key; instances sharing the data use the same prefix. Default `"portcullis"`. */
  readonly prefix?: string
  /** PBKDF2 work factor of passwords added later. */
  readonly passwordIterations?: number
  readonly audit?: RedisAuditOptions
  /** The host's personal access tokens (`hostTokens.enabled`). */
  readonly hostTokens?: HostTokenVerifier
  /** The host's native OAuth access tokens (`hostTokens.oauth`). */
  readonly hostOAuthTokens?: HostTokenVerifier
}

/** Redis stores, typed concretely so hosts and tests can seed them. */
export interface RedisStores extends Stores {
  readonly tokens: RedisTokenStore
  readonly users: RedisUserDirectory
  readonly audit: RedisAuditStore
  readonly rateLimit: RedisRateLimitStore
  readonly loginThrottle: RedisLoginThrottleStore
}

/**
 * A full set of stores in one Redis (or Redis Cluster), shared by every instance of the
 * host that uses the same prefix: tokens, users, rate-limit counters and the audit log.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { createPortcullis } from 'portcullis'
 * import { redisClientOptions, redisStores } from 'portcullis/storage/redis'
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', redisClientOptions({ commandTimeoutMs: 500 }))
 * const stores = redisStores({ redis, prefix: 'myapp:auth' })
 * const portcullis = createPortcullis({ config: { rateLimit: { enabled: true } }, stores })
 * ```
 */
export function redisStores(options: RedisStoresOptions): RedisStores {
  const { redis } = options
  const keys = redisKeys(options.prefix ?? 'portcullis')
  return {
    tokens: new RedisTokenStore(redis, keys),
    users: new RedisUserDirectory(redis, keys, options.passwordIterations === undefined ? {} : { iterations: options.passwordIterations }),
    audit: new RedisAuditStore(redis, keys, options.audit),
    rateLimit: new RedisRateLimitStore(redis, keys),
    loginThrottle: new RedisLoginThrottleStore(redis, keys),
    ...(options.hostTokens && { hostTokens: options.hostTokens }),
    ...(options.hostOAuthTokens && { hostOAuthTokens: options.hostOAuthTokens }),
  }
}
