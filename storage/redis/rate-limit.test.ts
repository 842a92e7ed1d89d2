import fc from 'fast-check'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisKeys } from './keys.ts'
import { expiryGraceMs, RedisRateLimitStore } from './rate-limit.ts'
import { connect, deletePrefix, uniquePrefix } from './test-support/redis.ts'

const prefix = uniquePrefix('rate')
const keys = redisKeys(prefix)
let redis: Redis
let store: RedisRateLimitStore

beforeAll(async () => {
  redis = await connect()
  store = new RedisRateLimitStore(redis, keys)
})
afterAll(async () => {
  await deletePrefix(redis, prefix)
  await redis.quit()
})

describe('RedisRateLimitStore', () => {
  it('decides exactly as the sliding window log model', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
        async (limit, windowMs, gaps) => {
          const key = `model:${run++}`
          const accepted: number[] = []
          let now = 1_000_000
          for (const gap of gaps) {
            now += gap
            const inWindow = accepted.filter((t) => t > now - windowMs)
            const result = await store.consume(key, limit, windowMs, now)
            if (inWindow.length < limit) {
              accepted.push(now)
              expect(result).toEqual({ allowed: true, remaining: limit - inWindow.length - 1, resetMs: (inWindow[0] ?? now) + windowMs - now })
            } else {
              expect(result).toEqual({ allowed: false, remaining: 0, resetMs: inWindow[inWindow.length - limit]! + windowMs - now })
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('gives a key a TTL of one window (and a grace) after its newest request, in the same step that creates it', async () => {
    const now = Date.now()
    await store.consume('ttl', 5, 10_000, now - 4_000)
    await store.consume('ttl', 5, 10_000, now)
    const ttl = await redis.pttl(keys.rate('ttl'))
    expect(ttl).toBeGreaterThan(10_000 + expiryGraceMs - 1_000)
    expect(ttl).toBeLessThanOrEqual(10_000 + expiryGraceMs)
  })

  it('creates no key for a refused request, and the key expires after its window', async () => {
    expect((await store.consume('short', 1, 50, 0)).allowed).toBe(true)
    expect((await store.consume('short', 1, 50, 10)).allowed).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 50 + expiryGraceMs + 100))
    expect(await redis.exists(keys.rate('short'))).toBe(0)
    expect((await store.consume('none', 0, 50, 0)).allowed).toBe(false)
    expect(await redis.exists(keys.rate('none'))).toBe(0)
  })

  it('keeps two store instances (two hosts) on one budget', async () => {
    const other = new RedisRateLimitStore(redis, keys)
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).consume('shared', 7, 60_000, 5_000)))
    expect(results.filter((r) => r.allowed)).toHaveLength(7)
    expect(await redis.zcard(keys.rate('shared'))).toBe(7)
  })
})
