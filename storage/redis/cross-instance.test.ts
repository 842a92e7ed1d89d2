/**
 * Two host processes sharing one Redis and prefix enforce one global rate limit (N
 * requests in total per window and token, not N per instance) and one login throttle.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateToken, generateTokenId } from '../../core/tokens/format.ts'
import { redisStores, type RedisStores } from './stores.ts'
import { startHost, type Child } from './test-support/processes.ts'
import { connect, deletePrefix, testRedisUrl, uniquePrefix } from './test-support/redis.ts'

const limit = 10
const prefix = uniquePrefix('cross')
let redis: Redis
let stores: RedisStores
let hosts: (Child & { port: number })[] = []

async function newToken(): Promise<{ token: string; id: string }> {
  const { token, hash } = generateToken()
  const id = generateTokenId()
  const record = { id, hash, owner: 'alice', name: id, createdAt: Date.now(), expiresAt: null, createdBy: 'alice' }
  expect(await stores.tokens.insert(record, 100)).toBe('inserted')
  return { token, id }
}

async function call(port: number, token: string, scheme = 'Bearer', client = '192.0.2.1'): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/rest/api/2/myself`, { headers: { authorization: `${scheme} ${token}`, 'x-forwarded-for': client } })
  await response.text()
  return response.status
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length

describe('redis stores across host instances', () => {
  beforeAll(async () => {
    redis = await connect()
    stores = redisStores({ redis, prefix, passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', password: 'pw' })
    const env = { PORTCULLIS_REDIS_URL: testRedisUrl, PORTCULLIS_REDIS_PREFIX: prefix, PORTCULLIS_RATE_LIMIT: String(limit) }
    hosts = await Promise.all([startHost(env), startHost(env)])
  }, 30_000)

  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()))
    await deletePrefix(redis, prefix)
    await redis.quit()
  })

  it('holds the limit globally when requests alternate between the instances', async () => {
    const { token } = await newToken()
    const byHost: number[][] = [[], []]
    for (let i = 0; i < 3 * limit; i++) byHost[i % 2]!.push(await call(hosts[i % 2]!.port, token))
    // Each instance saw 1.5 × limit requests: a per-instance limit would allow 2 × limit in all.
    expect(count(byHost.flat(), 200)).toBe(limit)
    expect(count(byHost.flat(), 429)).toBe(2 * limit)
    // Alternating, each instance got half of the budget before both refused.
    expect(byHost.map((statuses) => count(statuses, 200))).toEqual([limit / 2, limit / 2])
  })

  it('holds the limit under a concurrent burst against both instances', async () => {
    const { token } = await newToken()
    const statuses = await Promise.all(Array.from({ length: 4 * limit }, (_, i) => call(hosts[i % 2]!.port, token)))
    expect(count(statuses, 200)).toBe(limit)
    expect(count(statuses, 429)).toBe(3 * limit)
  })

  it('writes both instances\' decisions to the one audit log', async () => {
    const { token, id } = await newToken()
    await call(hosts[0]!.port, token)
    await call(hosts[1]!.port, token)
    // Appends are enqueued without waiting for Redis; give them a moment to land.
    let records: Awaited<ReturnType<typeof stores.audit.query>> = []
    for (let i = 0; i < 40 && records.length < 2; i++) {
      records = (await stores.audit.query({ user: 'alice' })).filter((r) => r.tokenId === id)
      if (records.length < 2) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(records.map((r) => r.outcome)).toEqual(['success', 'success'])
  })

  it('locks a username after maxFailures failed passwords in all, alternating between the instances', async () => {
    await stores.users.add({ username: 'bob', password: 'pw' })
    const wrong = btoa('bob:wrong')
    // Each guess from another address: only the username's count can lock.
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push(await call(hosts[i % 2]!.port, wrong, 'Basic', `198.51.100.${i}`))
    // Per instance, 4 failures each would allow 8 guesses; together they allow 4.
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
    expect(await call(hosts[0]!.port, btoa('bob:pw'), 'Basic', '198.51.100.99')).toBe(429)
  })

  it('checks at most maxFailures passwords of a burst spread over both instances', async () => {
    await stores.users.add({ username: 'carol', password: 'pw' })
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(hosts[i % 2]!.port, btoa(`carol:guess-${i}`), 'Basic', '203.0.113.7')))
    expect(count(statuses, 401)).toBe(4)
    expect(count(statuses, 429)).toBe(16)
    expect(await call(hosts[1]!.port, btoa('carol:pw'), 'Basic', '203.0.113.8')).toBe(429)
  })
})
