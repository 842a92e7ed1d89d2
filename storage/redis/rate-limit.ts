import { randomBytes } from 'node:crypto'
import type { RateLimitResult, RateLimitStore } from '../types.ts'
import { TurnBatcher } from './batch.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { consumeScript } from './scripts/consume.ts'
import { runScript } from './scripts/run.ts'

/** How long a key outlives its window, for callers whose clocks lag the server's or each other's. */
export const expiryGraceMs = 1000

/** One caller's consume, waiting for its batch's reply. */
interface Consume {
  readonly key: string
  readonly limit: number
  readonly windowMs: number
  readonly now: number
  readonly member: string
  readonly resolve: (result: RateLimitResult) => void
  readonly reject: (error: unknown) => void
}

/**
 * Rate-limit counters in Redis: a sliding window log per key in a sorted set, checked
 * and recorded by a Lua script, so any number of instances sharing the Redis never let
 * more than `limit` requests through together in any window. The script sets the key's
 * expiry with the write that creates it: an idle key disappears one window (plus
 * {@link expiryGraceMs}) after its newest request, and never lingers without a TTL.
 *
 * Consumes are group-committed: those issued during one event-loop turn go to Redis as
 * one script call over all their keys, decided in call order in one atomic step (see
 * {@link TurnBatcher}), and each caller gets its own result. A request still waits for
 * one round trip; the batch saves the per-command work in the client and the server. A
 * call that fails rejects every consume in it, as the single calls would have failed; a
 * key holding the wrong type fails only its own consumes.
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
  readonly #batch: TurnBatcher<Consume> | undefined

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis
    this.#keys = keys
    // On a Redis Cluster each consume is a script call of its own. A script's keys must
    // share a slot, and rate-limit keys carry no hash tag so that they spread over the
    // cluster: the keys of one turn share a slot only when one token sends several
    // requests at once, and grouping those would mean computing key slots here (CRC16,
    // as ioredis does internally). ioredis's cluster auto-pipelining still sends each
    // node the calls of a turn in one write, so a request still waits for one round trip.
    this.#batch = redis.isCluster ? undefined : new TurnBatcher<Consume>((batch) => this.#send(batch))
  }

  consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    // Checked here, not in the script, so a caller's bad numbers fail that caller alone, not its batch.
    if (!Number.isFinite(limit) || !Number.isFinite(windowMs) || !Number.isFinite(now)) {
      throw Object.assign(new TypeError('consume: limit, windowMs and now must be finite numbers'), { code: 'ERR_PORTCULLIS_RATE_LIMIT_ARGUMENT' })
    }
    return new Promise((resolve, reject) => {
      const consume: Consume = { key: this.#keys.rate(key), limit, windowMs, now, member: `${this.#instance}${(this.#counter++).toString(36)}`, resolve, reject }
      if (this.#batch) this.#batch.add(consume)
      else this.#send([consume])
    })
  }

  #send(batch: readonly Consume[]): void {
    const keys: string[] = []
    const args: (string | number)[] = [expiryGraceMs]
    for (const c of batch) {
      keys.push(c.key)
      args.push(c.limit, c.windowMs, c.now, c.now - c.windowMs, c.member)
    }
    runScript(this.#redis, consumeScript, keys, args).then(
      (reply) => {
        const values = reply as unknown[]
        for (let i = 0; i < batch.length; i++) {
          const allowed = values[3 * i]
          if (allowed instanceof Error) batch[i]!.reject(allowed)
          else batch[i]!.resolve({ allowed: allowed === 1, remaining: values[3 * i + 1] as number, resetMs: values[3 * i + 2] as number })
        }
      },
      (error: unknown) => {
        for (const c of batch) c.reject(error)
      },
    )
  }
}
