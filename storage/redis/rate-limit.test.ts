import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultMaxBatch } from './batch.ts'
import { redisClientOptions } from './client.ts'
import { redisKeys } from './keys.ts'
import { expiryGraceMs, RedisRateLimitStore } from './rate-limit.ts'
import { freePort } from './test-support/processes.ts'
import { connect, countCommands, deletePrefix, uniquePrefix } from './test-support/redis.ts'

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

  it('decides the consumes of one batch as one script call each would, also for repeated keys, mixed windows and clocks', async () => {
    let run = 0
    const consume = fc.record({ key: fc.integer({ min: 0, max: 2 }), limit: fc.integer({ min: 0, max: 4 }), windowMs: fc.constantFrom(1, 20, 100), skew: fc.integer({ min: -30, max: 30 }) })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.array(consume, { minLength: 1, maxLength: 12 })), { minLength: 1, maxLength: 6 }), async (turns) => {
        const prefix = `batch:${run++}`
        // Each call's script drops the entries at or before its cutoff for good, then counts: a caller
        // whose clock lags no longer sees what one ahead of it dropped.
        const logs = new Map<number, number[]>()
        let now = 1_000_000
        for (const [gap, consumes] of turns) {
          now += gap
          const expected = consumes.map(({ key, limit, windowMs, skew }) => {
            const at = now + skew
            const log = (logs.get(key) ?? []).filter((t) => t > at - windowMs).sort((a, b) => a - b)
            logs.set(key, log)
            if (log.length < limit) {
              log.push(at)
              return { allowed: true, remaining: limit - log.length, resetMs: Math.min(...log) + windowMs - at }
            }
            return { allowed: false, remaining: 0, resetMs: limit > 0 ? log[log.length - limit]! + windowMs - at : windowMs }
          })
          const results = await Promise.all(consumes.map(({ key, limit, windowMs, skew }) => store.consume(`${prefix}:${key}`, limit, windowMs, now + skew)))
          expect(results).toEqual(expected)
          for (const [key, log] of logs) {
            expect(await redis.zcard(keys.rate(`${prefix}:${key}`))).toBe(log.length)
            if (log.length > 0) expect(await redis.pttl(keys.rate(`${prefix}:${key}`))).toBeGreaterThan(0)
          }
        }
      }),
      { numRuns: 60 },
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

  it('in a batch, expires a key from its newest entry and its last accepted consume, as one call each would', async () => {
    // A caller 5 s ahead records first; the last accepted consume has a 2 s window.
    const [ahead, behind, refused] = await Promise.all([
      store.consume('batch-ttl', 5, 60_000, 15_000),
      store.consume('batch-ttl', 5, 2_000, 10_000),
      store.consume('batch-ttl', 0, 60_000, 10_000),
    ])
    expect([ahead.allowed, behind.allowed, refused.allowed]).toEqual([true, true, false])
    const ttl = await redis.pttl(keys.rate('batch-ttl'))
    expect(ttl).toBeGreaterThan(15_000 + 2_000 - 10_000 + expiryGraceMs - 1_000)
    expect(ttl).toBeLessThanOrEqual(15_000 + 2_000 - 10_000 + expiryGraceMs)
  })

  it('rounds a fractional expiry up (PEXPIRE takes whole milliseconds)', async () => {
    const results = await Promise.all([store.consume('fraction', 5, 1_000, 5_000.7), store.consume('fraction', 5, 1_000, 5_000.2)])
    expect(results.map((r) => r.allowed)).toEqual([true, true])
    expect(await redis.pttl(keys.rate('fraction'))).toBeGreaterThan(1_000)
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

  describe('group commit: the consumes of one event-loop turn in one script call', () => {
    /** A store on a client of its own, with the commands that client sends. */
    async function counted(): Promise<{ store: RedisRateLimitStore; sent: Record<string, number>; close: () => Promise<unknown> }> {
      const own = await connect()
      const store = new RedisRateLimitStore(own, keys)
      await store.consume('warm', 1, 1, 0) // loads the script, so no EVAL shows up below
      return { store, sent: countCommands(own), close: () => own.quit() }
    }

    it('decides parallel consumes of one key in call order: never over the limit, each caller its own remaining count', async () => {
      const { store, sent, close } = await counted()
      try {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.consume('one-key', 10, 60_000, 10_000 + i)))
        expect(sent).toEqual({ evalsha: 1 })
        expect(results.map((r) => [r.allowed, r.remaining])).toEqual(Array.from({ length: 20 }, (_, i) => (i < 10 ? [true, 9 - i] : [false, 0])))
        // Each refusal frees at the first accepted request's time: 10 000 + 60 000 - its own now.
        expect(results.slice(10).map((r) => r.resetMs)).toEqual(Array.from({ length: 10 }, (_, i) => 60_000 - (10 + i)))
        expect(await redis.zcard(keys.rate('one-key'))).toBe(10)
      } finally {
        await close()
      }
    })

    it('sends the consumes of many keys in one turn as one script call, and a batch of at most 512', async () => {
      const { store, sent, close } = await counted()
      try {
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.consume(`many:${i}`, 3, 60_000, 5_000)))
        expect(sent).toEqual({ evalsha: 1 })
        expect(results.every((r) => r.allowed && r.remaining === 2 && r.resetMs === 60_000)).toBe(true)
        const more = await Promise.all(Array.from({ length: defaultMaxBatch + 1 }, (_, i) => store.consume(`many:${i % 100}`, 3, 60_000, 5_001)))
        expect(sent).toEqual({ evalsha: 3 })
        expect(more.filter((r) => r.allowed)).toHaveLength(200) // two more of each key's three
      } finally {
        await close()
      }
    })

    it('fails only the consumes of a key that holds the wrong type', async () => {
      await redis.set(keys.rate('not-a-log'), 'x')
      const [bad, good] = await Promise.allSettled([store.consume('not-a-log', 5, 1000, 0), store.consume('fine', 5, 1000, 0)])
      expect(bad).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/^WRONGTYPE/) }) })
      expect(good).toEqual({ status: 'fulfilled', value: { allowed: true, remaining: 4, resetMs: 1000 } })
    })

    it('refuses non-finite numbers at once, without failing the rest of the turn', async () => {
      const fine = store.consume('finite', 5, 1000, 0)
      expect(() => store.consume('nan', Number.NaN, 1000, 0)).toThrow(expect.objectContaining({ code: 'ERR_PORTCULLIS_RATE_LIMIT_ARGUMENT' }))
      expect((await fine).allowed).toBe(true)
    })

    it('rejects every caller of a batch that fails', async () => {
      const down = new Redis({ ...redisClientOptions({ commandTimeoutMs: 200 }), port: await freePort(), host: '127.0.0.1' })
      down.on('error', () => {})
      try {
        const sent = countCommands(down)
        const store = new RedisRateLimitStore(down, keys)
        const settled = await Promise.allSettled(['a', 'b', 'a', 'c'].map((key) => store.consume(key, 5, 1000, 0)))
        expect(sent).toEqual({ evalsha: 1 })
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected'])
      } finally {
        down.disconnect()
      }
    })
  })
})
