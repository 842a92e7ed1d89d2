import fc from 'fast-check'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LoginThrottle } from '../../core/policy/login-throttle.ts'
import type { AttemptOutcome, LockoutPolicy } from '../types.ts'
import { redisKeys } from './keys.ts'
import { RedisLoginThrottleStore } from './login-throttle.ts'
import { expiryGraceMs } from './rate-limit.ts'
import { connect, deletePrefix, uniquePrefix } from './test-support/redis.ts'

const prefix = uniquePrefix('throttle')
const keys = redisKeys(prefix)
let redis: Redis
let store: RedisLoginThrottleStore

beforeAll(async () => {
  redis = await connect()
  store = new RedisLoginThrottleStore(redis, keys)
})
afterAll(async () => {
  await deletePrefix(redis, prefix)
  await redis.quit()
})

const policy: LockoutPolicy = { maxFailures: 3, windowMs: 10_000, lockMs: 30_000, leaseMs: 3_000 }

describe('RedisLoginThrottleStore', () => {
  it('answers every begin and settle as the in-process throttle does', async () => {
    let run = 0
    const step = fc.record({
      // Mostly close together, so that attempts pile up within a window; now and then one across it.
      gap: fc.constantFrom(0, 1, 50, 700, 4_000, 11_000),
      keys: fc.constantFrom(['user:a', 'client:1'], ['user:a', 'client:2'], ['user:b', 'client:1']),
      // Settle one of the attempts in progress (by position), or begin a new one.
      // The engine settles with its request's start time, so failures may arrive out of order.
      settle: fc.option(fc.record({ which: fc.nat(), outcome: fc.constantFrom<AttemptOutcome>('failure', 'success', 'void'), atBegin: fc.boolean() }), { nil: undefined, freq: 2 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const ns = `model${run++}:`
        const reference = new LoginThrottle()
        const open: { id: string; keys: string[]; at: number }[] = []
        let now = 1_000_000
        for (const [i, s] of steps.entries()) {
          now += s.gap
          const on = s.keys.map((k) => ns + k)
          if (s.settle && open.length) {
            const [attempt] = open.splice(s.settle.which % open.length, 1)
            const at = s.settle.atBegin ? attempt!.at : now
            const expected = reference.settle(attempt!.keys, attempt!.id, s.settle.outcome, policy, at)
            expect(await store.settle(attempt!.keys, attempt!.id, s.settle.outcome, policy, at)).toBe(expected)
          } else {
            const id = `${ns}${i}`
            const expected = reference.begin(on, id, policy, now)
            expect(await store.begin(on, id, policy, now)).toBe(expected)
            if (expected === 0) open.push({ id, keys: on, at: now })
          }
        }
      }),
      { numRuns: 100 },
    )
  })

  it('lets every key expire on its own: attempts when their lease ends, failures a window after the last, locks when they end', async () => {
    const on = ['user:ttl', 'client:ttl']
    const ttl = (key: string) => redis.pttl(key)
    expect(await store.begin(on, 'a1', policy, 1_000)).toBe(0)
    expect(await ttl(keys.loginAttempts('user:ttl'))).toBeGreaterThan(policy.leaseMs + expiryGraceMs - 1_000)
    expect(await ttl(keys.loginAttempts('user:ttl'))).toBeLessThanOrEqual(policy.leaseMs + expiryGraceMs)
    expect(await store.settle(on, 'a1', 'failure', policy, 1_001)).toBe(false)
    expect(await redis.exists(keys.loginAttempts('user:ttl'))).toBe(0)
    expect(await ttl(keys.loginFailures('client:ttl'))).toBeGreaterThan(policy.windowMs + expiryGraceMs - 1_000)
    expect(await ttl(keys.loginFailures('client:ttl'))).toBeLessThanOrEqual(policy.windowMs + expiryGraceMs)
    for (const id of ['a2', 'a3']) {
      await store.begin(on, id, policy, 1_002)
      await store.settle(on, id, 'failure', policy, 1_003)
    }
    expect(await redis.exists(keys.loginFailures('user:ttl'), keys.loginFailures('client:ttl'))).toBe(0)
    expect(await ttl(keys.loginLock('client:ttl'))).toBeGreaterThan(policy.lockMs + expiryGraceMs - 1_000)
    expect(await ttl(keys.loginLock('client:ttl'))).toBeLessThanOrEqual(policy.lockMs + expiryGraceMs)
  })

  it('fails closed on a lock that does not hold a time, and on numbers it cannot use', async () => {
    for (const value of ['soon', 'inf', 'nan', '-inf']) {
      await redis.set(keys.loginLock('user:garbage'), value)
      await expect(store.begin(['user:garbage', 'client:g'], 'g1', policy, 1_000)).rejects.toThrow(/does not hold a time/)
      await expect(store.settle(['user:garbage'], 'g1', 'failure', policy, 1_000)).rejects.toThrow(/does not hold a time/)
    }
    await expect(store.begin(['user:nan'], 'n1', policy, Number.NaN)).rejects.toMatchObject({ code: 'ERR_PORTCULLIS_THROTTLE_ARGUMENT' })
    await expect(store.settle(['user:nan'], 'n1', 'failure', { ...policy, lockMs: Infinity }, 1_000)).rejects.toMatchObject({ code: 'ERR_PORTCULLIS_THROTTLE_ARGUMENT' })
  })
})
