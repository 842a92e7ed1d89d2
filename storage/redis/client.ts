import type { Cluster, Redis, RedisOptions } from 'ioredis'

/** An ioredis client the host created: a single node or a cluster. */
export type RedisClient = Redis | Cluster

/** Options of {@link redisClientOptions}. */
export interface RedisClientTuning {
  /** Longest a command may wait for its reply, connected or not. Default 500 ms. */
  readonly commandTimeoutMs?: number
  /** Longest wait between reconnection attempts. Default 200 ms. */
  readonly maxReconnectDelayMs?: number
}

/**
 * ioredis options that make commands fail fast while Redis is unreachable. With
 * ioredis's defaults a command issued during an outage waits in the offline queue
 * through 20 reconnection attempts before it fails: about 10 s when the server refuses
 * connections, far longer when connection attempts hang. These options:
 *
 * - bound every command by `commandTimeoutMs` (`commandTimeout`);
 * - fail a command queued while disconnected at the next failed reconnection attempt
 *   (`maxRetriesPerRequest: 0`), while a command issued during a short blip still goes
 *   through once the connection is back;
 * - keep reconnecting in the background, at most `maxReconnectDelayMs` apart, so the
 *   stores recover by themselves;
 * - turn on auto-pipelining: the commands of concurrent requests go out in one write.
 *
 * Keep `commandTimeoutMs` below the engine's `stores.timeoutMs` (default 1000), so the
 * client gives up first and the request gets its 503 from a failed call. Leave ioredis's
 * `socketTimeout` unset: up to ioredis 5.11 its timer outlives a reconnection and tears
 * down the fresh connection (redis/ioredis#2147).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { redisClientOptions, redisStores } from 'portcullis/storage/redis'
 *
 * const redis = new Redis('redis://127.0.0.1:6379', redisClientOptions())
 * const stores = redisStores({ redis, prefix: 'portcullis' })
 * // On a cluster: new Cluster(nodes, { enableAutoPipelining: true, redisOptions: redisClientOptions() })
 * ```
 */
export function redisClientOptions(tuning: RedisClientTuning = {}): RedisOptions {
  const commandTimeout = tuning.commandTimeoutMs ?? 500
  const maxDelay = tuning.maxReconnectDelayMs ?? 200
  if (!Number.isInteger(commandTimeout) || commandTimeout < 1) throw new TypeError('commandTimeoutMs: expected a positive integer')
  if (!Number.isInteger(maxDelay) || maxDelay < 1) throw new TypeError('maxReconnectDelayMs: expected a positive integer')
  return {
    commandTimeout,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 50, maxDelay),
    enableAutoPipelining: true,
  }
}
