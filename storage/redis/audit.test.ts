import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../types.ts'
import { RedisAuditStore } from './audit.ts'
import { redisClientOptions } from './client.ts'
import { redisKeys } from './keys.ts'
import { freePort } from './test-support/processes.ts'
import { connect, countCommands, deletePrefix, uniquePrefix } from './test-support/redis.ts'

const entry = (time: number, fields: Partial<AuditRecord> = {}): AuditRecord => ({
  time,
  event: 'authenticate',
  outcome: 'success',
  reason: 'api-token',
  user: 'alice',
  method: 'GET',
  path: '/rest/api',
  client: '192.0.2.1',
  ...fields,
})

let redis: Redis
const prefixes: string[] = []
const fresh = (options: ConstructorParameters<typeof RedisAuditStore>[2] = {}) => {
  const prefix = uniquePrefix('audit')
  prefixes.push(prefix)
  return { store: new RedisAuditStore(redis, redisKeys(prefix), options), keys: redisKeys(prefix) }
}

beforeAll(async () => {
  redis = await connect()
})
afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(redis, prefix)
  await redis.quit()
})

describe('RedisAuditStore', () => {
  it('enqueues appends without waiting while connected, in order with later commands', async () => {
    const { store } = fresh()
    for (let time = 1; time <= 3; time++) expect(store.append(entry(time))).toBeUndefined()
    expect((await store.query()).map((r) => r.time)).toEqual([3, 2, 1])
  })

  it('waits for the acknowledgement when asked to', async () => {
    const { store } = fresh({ append: 'acknowledged' })
    const pending = store.append(entry(1))
    expect(pending).toBeInstanceOf(Promise)
    await pending
    expect(await store.query()).toHaveLength(1)
  })

  it('reports a failed enqueued write to onError', async () => {
    const errors: unknown[] = []
    const { store, keys } = fresh({ onError: (error) => errors.push(error) })
    await redis.set(keys.auditLog, 'not a sorted set')
    store.append(entry(1))
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(String(errors[0])).toMatch(/WRONGTYPE/)
  })

  it('fails closed while the connection is down: append waits and rejects within the command timeout', async () => {
    const down = new Redis({ ...redisClientOptions({ commandTimeoutMs: 200 }), port: await freePort(), host: '127.0.0.1' })
    down.on('error', () => {})
    try {
      const store = new RedisAuditStore(down, redisKeys(uniquePrefix('audit-down')))
      const started = performance.now()
      await expect(store.append(entry(1))).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(450)
    } finally {
      down.disconnect()
    }
  })

  it('keeps identical records apart and caps the log at maxEntries, oldest out first', async () => {
    const { store } = fresh({ maxEntries: 3 })
    for (const time of [1, 1, 2, 3, 4]) store.append(entry(time))
    expect((await store.query()).map((r) => r.time)).toEqual([4, 3, 2])
    const twins = fresh().store
    twins.append(entry(7))
    twins.append(entry(7))
    expect(await twins.query()).toEqual([entry(7), entry(7)])
  })

  it('filters across many pages, newest first, with time bounds', async () => {
    const { store } = fresh()
    for (let time = 1; time <= 1_300; time++) store.append(entry(time, { user: time % 100 === 0 ? 'rare' : 'common' }))
    const rare = await store.query({ user: 'rare' })
    expect(rare.map((r) => r.time)).toEqual([1_300, 1_200, 1_100, 1_000, 900, 800, 700, 600, 500, 400, 300, 200, 100])
    expect((await store.query({ user: 'rare', from: 250, to: 1_100 })).map((r) => r.time)).toEqual([1_000, 900, 800, 700, 600, 500, 400, 300])
    expect((await store.query({ user: 'rare', limit: 2, to: 1_200 })).map((r) => r.time)).toEqual([1_100, 1_000])
    expect(await store.query({ from: 1_000, to: 1_300 })).toHaveLength(300)
    expect(await store.query({ outcome: 'forbidden' })).toEqual([])
  })

  it('reads each record once while appends land during a paged query', async () => {
    const { store } = fresh()
    for (let time = 1; time <= 1_200; time++) store.append(entry(time, { user: 'bob' }))
    const reading = store.query({ user: 'bob' })
    for (let time = 2_000; time < 2_050; time++) store.append(entry(time, { user: 'bob' }))
    const times = (await reading).map((r) => r.time)
    expect(new Set(times).size).toBe(times.length)
    expect(times.filter((t) => t <= 1_200)).toEqual(Array.from({ length: 1_200 }, (_, i) => 1_200 - i))
  })

  it('writes the appends of one turn as one ZADD and one trim, sent ahead of a query', async () => {
    const own = await connect()
    try {
      const prefix = uniquePrefix('audit-batch')
      prefixes.push(prefix)
      const store = new RedisAuditStore(own, redisKeys(prefix), { maxEntries: 50 })
      const sent = countCommands(own)
      for (let time = 1; time <= 80; time++) store.append(entry(time))
      const newest = await store.query({ limit: 1 })
      expect(newest.map((r) => r.time)).toEqual([80])
      expect(sent).toEqual({ zadd: 1, zremrangebyrank: 1, zrange: 1 })
      expect(await store.query()).toHaveLength(50)
    } finally {
      await own.quit()
    }
  })

  it('fails every waiting append of a failed write, and reports the enqueued ones once', async () => {
    const acknowledged = fresh({ append: 'acknowledged' })
    await redis.set(acknowledged.keys.auditLog, 'not a sorted set')
    const settled = await Promise.allSettled([1, 2, 3].map((time) => acknowledged.store.append(entry(time))))
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected'])
    const errors: unknown[] = []
    const enqueued = fresh({ onError: (error) => errors.push(error) })
    await redis.set(enqueued.keys.auditLog, 'not a sorted set')
    for (const time of [1, 2, 3]) enqueued.store.append(entry(time))
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(errors).toHaveLength(1)
  })
})
