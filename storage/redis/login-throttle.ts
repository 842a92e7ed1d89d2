import type { AttemptOutcome, LockoutPolicy, LoginThrottleStore } from '../types.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { expiryGraceMs } from './rate-limit.ts'
import { beginAttemptScript, settleAttemptScript } from './scripts/login-attempt.ts'
import { runScript } from './scripts/run.ts'

/**
 * The login throttle in Redis, shared by every instance on it: behind a load balancer a
 * username or client address gets `maxFailures` password checks per window or lock,
 * however the attempts are spread and however many arrive at once, not `maxFailures` per
 * instance (the user's own success starts the username's count again).
 * An attempt costs two calls, each one Lua script: `begin` before the password is
 * checked and `settle` after (see {@link beginAttemptScript}). Failures, attempts in
 * progress and locks are three keys per throttle key. Every key expires on its
 * own, and all sit under one hash tag, so an attempt's keys are read and written in one
 * call on a Redis Cluster too (password checks are too slow to make that slot hot).
 *
 * Times come from the caller's clock (`now`), as for the rate limit: instances sharing a
 * Redis should keep their clocks in sync.
 */
export class RedisLoginThrottleStore implements LoginThrottleStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis
    this.#keys = keys
  }

  async begin(keys: readonly string[], attempt: string, { maxFailures, windowMs, leaseMs }: LockoutPolicy, now: number): Promise<number> {
    finite({ maxFailures, windowMs, leaseMs, now })
    const args = [maxFailures, now - windowMs, now, attempt, now + leaseMs, Math.ceil(leaseMs) + expiryGraceMs, windowMs]
    const [answer, wait] = (await runScript(this.#redis, beginAttemptScript, this.#redisKeys(keys), args)) as [number, number?]
    return answer === 0 ? 0 : wait!
  }

  async settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): Promise<boolean> {
    finite({ maxFailures, windowMs, lockMs, now })
    const args = [outcome, maxFailures, now - windowMs, now, attempt, now + lockMs, Math.ceil(lockMs) + expiryGraceMs, Math.ceil(windowMs) + expiryGraceMs]
    return (await runScript(this.#redis, settleAttemptScript, this.#redisKeys(keys), args)) === 1
  }

  #redisKeys(keys: readonly string[]): string[] {
    return keys.flatMap((key) => [this.#keys.loginFailures(key), this.#keys.loginAttempts(key), this.#keys.loginLock(key)])
  }
}

/** Refuses numbers the scripts cannot use: a NaN clock must not read as "not locked". */
function finite(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) throw Object.assign(new TypeError(`login throttle: ${name} must be a finite number, got ${value}`), { code: 'ERR_PORTCULLIS_THROTTLE_ARGUMENT' })
  }
}
