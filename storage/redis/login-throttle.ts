import { randomBytes } from 'node:crypto'
import type { LockoutPolicy, LoginThrottleStore } from '../types.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { expiryGraceMs } from './rate-limit.ts'
import { loginFailScript } from './scripts/login-fail.ts'
import { runScript } from './scripts/run.ts'

/**
 * The login throttle in Redis, shared by every instance on it: behind a load balancer a
 * username or client address is locked after `maxFailures` failures in all, not
 * `maxFailures` per instance. A key's failures are a sorted set and its lock a string
 * holding the unlock time; both expire on their own (see {@link loginFailScript}). All
 * keys sit under one hash tag, so an attempt's keys are read and written in one call on a
 * Redis Cluster too.
 *
 * Times come from the caller's clock (`now`), as for the rate limit: instances sharing a
 * Redis should keep their clocks in sync.
 */
export class RedisLoginThrottleStore implements LoginThrottleStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys
  // Failure members must be unique across instances and calls: an instance tag and a counter.
  readonly #instance = randomBytes(6).toString('base64url')
  #counter = 0

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis
    this.#keys = keys
  }

  async lockedFor(keys: readonly string[], now: number): Promise<number> {
    const values = await this.#redis.mget(...keys.map(this.#keys.loginLock))
    let wait = 0
    for (const [i, value] of values.entries()) {
      if (value === null) continue
      const until = Number(value)
      // Fail closed: a lock that cannot be read is an error (503), never an unlocked key.
      if (!Number.isFinite(until)) throw new TypeError(`login throttle: ${this.#keys.loginLock(keys[i]!)} holds ${JSON.stringify(value)}, not a time`)
      wait = Math.max(wait, until - now)
    }
    return wait
  }

  async fail(keys: readonly string[], { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): Promise<boolean> {
    if (![maxFailures, windowMs, lockMs, now].every(Number.isFinite)) {
      throw Object.assign(new TypeError('login throttle: maxFailures, windowMs, lockMs and now must be finite numbers'), { code: 'ERR_PORTCULLIS_THROTTLE_ARGUMENT' })
    }
    const redisKeys = keys.flatMap((key) => [this.#keys.loginFailures(key), this.#keys.loginLock(key)])
    const member = `${this.#instance}${(this.#counter++).toString(36)}`
    const args = [maxFailures, now - windowMs, now, now + lockMs, Math.ceil(lockMs) + expiryGraceMs, Math.ceil(windowMs) + expiryGraceMs, member]
    return (await runScript(this.#redis, loginFailScript, redisKeys, args)) === 1
  }

  async clear(key: string): Promise<void> {
    await this.#redis.del(this.#keys.loginFailures(key))
  }
}
