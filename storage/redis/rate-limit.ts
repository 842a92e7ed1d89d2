import { randomBytes } from 'node:crypto'
import type { RateLimitResult, RateLimitStore } from '../types.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { consumeScript } from './scripts/consume.ts'
import { runScript } from './scripts/run.ts'

/** How long a key outlives its window, for callers whose clocks lag the server's or each other's. */
export const expiryGraceMs = 1000

/**
 * Rate-limit counters in Redis: a sliding window log per key in a sorted set, checked
 * and recorded by one Lua script in one round trip, so any number of instances sharing
 * the Redis never let more than `limit` requests through together in any window. The
 * script sets the key's expiry with the write that creates it: an idle key disappears
 * one window (plus {@link expiryGraceMs}) after its newest request, and never lingers
 * without a TTL.
 *
 * Times come from the caller's clock (`now`); instances sharing a Redis should keep
 * their clocks in sync (NTP), since a skew of s ms shifts their windows by s ms.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys
  // Members must be unique across instances and calls: an instance tag and a counter.
  readonly #instance = randomBytes(6).toString('base64url')
  #counter = 0

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis
    this.#keys = keys
  }

  async consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    const member = `${this.#instance}${(this.#counter++).toString(36)}`
    const reply = (await runScript(this.#redis, consumeScript, [this.#keys.rate(key)], [limit, windowMs, now, now - windowMs, member, expiryGraceMs])) as [number, number, number]
    return { allowed: reply[0] === 1, remaining: reply[1], resetMs: reply[2] }
  }
}
