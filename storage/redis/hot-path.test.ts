/**
 * The hot path of a request on Redis stores (valid Bearer token, rate limiting and audit
 * on, caches warm) waits for one Redis round trip: the rate-limit script. The audit
 * append is written on the same connection without waiting for its reply. Both are
 * group-committed per event-loop turn: requests in flight together share one script
 * call and one audit write (ZADD and trim), instead of one each.
 *
 * Shown against a private redis-server: the commands the client sent, the server's
 * command counters (INFO commandstats), and a proxy that delays every reply by
 * `delayMs`, so each awaited round trip adds that much to a request.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPortcullis, type Portcullis } from '../../core/index.ts'
import { generateToken, generateTokenId } from '../../core/tokens/format.ts'
import { redisClientOptions } from './client.ts'
import { redisStores, type RedisStoresOptions } from './stores.ts'
import { delayProxy, type DelayProxy } from './test-support/delay-proxy.ts'
import { freePort, startRedisServer, type Child } from './test-support/processes.ts'
import { countCommands } from './test-support/redis.ts'

const delayMs = 80
let dir: string
let server: Child | undefined
let port: number
let proxy: DelayProxy | undefined
const clients: Redis[] = []

async function client(target: number): Promise<Redis> {
  const redis = new Redis({ ...redisClientOptions({ commandTimeoutMs: 2000 }), port: target, host: '127.0.0.1', lazyConnect: true })
  await redis.connect()
  clients.push(redis)
  return redis
}

/** A host on Redis stores with one user and token; returns a function sending one request. */
async function host(redis: Redis, audit: RedisStoresOptions['audit'] = {}): Promise<(n?: number) => Promise<number>> {
  const stores = redisStores({ redis, prefix: `hot-${clients.length}`, passwordIterations: 1000, audit })
  await stores.users.add({ username: 'alice' })
  const { token, hash } = generateToken()
  await stores.tokens.insert({ id: generateTokenId(), hash, owner: 'alice', name: 't', createdAt: Date.now(), expiresAt: null, createdBy: 'alice' }, 10)
  const portcullis: Portcullis = createPortcullis({ config: { rateLimit: { enabled: true, limit: 100_000 }, stores: { timeoutMs: 5000 } }, stores })
  const headers = new Headers({ authorization: `Bearer ${token}` })
  return async () => {
    const outcome = await portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers, peer: '127.0.0.1' })
    expect(outcome.kind).toBe('allow')
    return 0
  }
}

async function medianMs(send: () => Promise<unknown>, times: number): Promise<number> {
  const took: number[] = []
  for (let i = 0; i < times; i++) {
    const start = performance.now()
    await send()
    took.push(performance.now() - start)
  }
  return took.sort((a, b) => a - b)[Math.floor(times / 2)]!
}

function commandCounts(info: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) counts[match[1]!] = Number(match[2])
  return counts
}

describe('redis stores on the hot path', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-hot-'))
    port = await freePort()
    server = await startRedisServer(port, ['--dir', dir, '--save', '', '--appendonly', 'no'])
    proxy = await delayProxy({ host: '127.0.0.1', port }, delayMs)
  })

  afterAll(async () => {
    for (const redis of clients) redis.disconnect()
    await proxy?.close()
    await server?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** A warm host on `redis`, and a record of the commands the client sends from now on. */
  async function counted(redis: Redis): Promise<{ send: () => Promise<number>; sent: Record<string, number> }> {
    const send = await host(redis)
    await send() // warms the token and user caches and loads the script
    await redis.ping() // lets its audit write go out
    const sent = countCommands(redis)
    await redis.config('RESETSTAT')
    return { send, sent }
  }

  it('sends one script call and one audit write per warm request sent alone, and no reads', async () => {
    const redis = await client(port)
    const { send, sent } = await counted(redis)
    const requests = 50
    for (let i = 0; i < requests; i++) await send()
    await redis.ping() // lets the last audit write go out
    const served = commandCounts(await redis.info('commandstats'))
    expect(sent).toEqual({ config: 1, evalsha: requests, zadd: requests, zremrangebyrank: requests, ping: 1, info: 1 })
    // The server agrees; the script's own commands (ZREMRANGEBYSCORE, ZCARD, ZADD, ZRANGE, PEXPIRE) run inside EVALSHA.
    expect(served.evalsha).toBe(requests)
    expect(served.hgetall ?? 0).toBe(0)
  })

  it('sends one script call and one audit write for all the requests in flight together', async () => {
    const redis = await client(port)
    const { send, sent } = await counted(redis)
    await Promise.all(Array.from({ length: 32 }, () => send()))
    await redis.ping()
    const served = commandCounts(await redis.info('commandstats'))
    expect(sent).toEqual({ config: 1, evalsha: 1, zadd: 1, zremrangebyrank: 1, ping: 1, info: 1 })
    // Inside the script: one ZADD per request (the 33rd is the audit write), and five commands
    // for the key however many requests share it (drop, count, oldest, newest, expiry).
    expect(served).toMatchObject({ evalsha: 1, zremrangebyrank: 1, zadd: 33, zremrangebyscore: 1, zcard: 1, zrange: 2, pexpire: 1 })
  })

  it('waits for one round trip per warm request (two when audit appends are acknowledged)', async () => {
    const enqueued = await host(await client(proxy!.port))
    await enqueued()
    const oneTrip = await medianMs(enqueued, 7)
    const acknowledged = await host(await client(proxy!.port), { append: 'acknowledged' })
    await acknowledged()
    const twoTrips = await medianMs(acknowledged, 7)
    console.info(`hot path with ${delayMs} ms per Redis reply: ${oneTrip.toFixed(0)} ms enqueued audit, ${twoTrips.toFixed(0)} ms acknowledged audit`)
    expect(oneTrip).toBeGreaterThanOrEqual(delayMs - 5)
    expect(oneTrip).toBeLessThan(2 * delayMs - 10)
    expect(twoTrips).toBeGreaterThanOrEqual(2 * delayMs - 5)
  })
})
