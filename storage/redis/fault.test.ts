/**
 * Crash and restart of a private redis-server in the middle of traffic: calls fail fast
 * while it is down, the stores recover by themselves, no acknowledged token is lost, no
 * rate-limit key is left without a TTL and no token is half written.
 *
 * The server runs with `appendonly yes` and `appendfsync always`: a write is on disk
 * before Redis acknowledges it, so whatever a caller saw succeed survives a crash. A
 * script's writes reach the AOF as one MULTI/EXEC block, and a block cut short by the
 * crash is dropped whole when the AOF is loaded.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPortcullis, type Portcullis } from '../../core/index.ts'
import { generateToken, generateTokenId } from '../../core/tokens/format.ts'
import type { AuditRecord, TokenRecord } from '../types.ts'
import { redisKeys } from './keys.ts'
import { redisStores, type RedisStores } from './stores.ts'
import { freePort, startRedisServer, type Child } from './test-support/processes.ts'
import { connect, keysOf, uniquePrefix } from './test-support/redis.ts'

const commandTimeoutMs = 300
const prefix = uniquePrefix('fault')
const keys = redisKeys(prefix)
let dir: string
let port: number
let server: Child | undefined
let redis: Redis
let stores: RedisStores

const startServer = () => startRedisServer(port, ['--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'])
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function tokenRecord(owner: string, expiresAt: number | null): TokenRecord {
  const id = generateTokenId()
  return { id, hash: generateToken().hash, owner, name: id, createdAt: Date.now(), expiresAt, createdBy: owner }
}

function auditRecord(): AuditRecord {
  return { time: Date.now(), event: 'authenticate', outcome: 'success', reason: 'api-token', user: 'alice', method: 'GET', path: '/rest/x', client: '127.0.0.1' }
}

/** One store call's fate. */
interface Call {
  readonly ok: boolean
  readonly ms: number
  readonly at: number
}

describe('redis stores through a crash and restart of the server', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-fault-'))
    port = await freePort()
    server = await startServer()
    redis = await connect(`redis://127.0.0.1:${port}`, { commandTimeoutMs, maxReconnectDelayMs: 100 })
    redis.on('error', () => {}) // reconnection errors are expected here
    stores = redisStores({ redis, prefix, passwordIterations: 1000, audit: { onError: () => {} } })
  })

  afterAll(async () => {
    redis?.disconnect()
    await server?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('fails fast while down, recovers, and loses or half-writes nothing', async () => {
    // Tokens created before the outage, with and without expiry.
    const before: TokenRecord[] = []
    for (let i = 0; i < 40; i++) before.push(tokenRecord(`owner${i % 8}`, i % 2 ? Date.now() + 86_400_000 : null))
    for (const record of before) expect(await stores.tokens.insert(record, 100)).toBe('inserted')

    // A host on these stores, caches off so every request reaches Redis.
    await stores.users.add({ username: 'alice' })
    const { token, hash } = generateToken()
    await stores.tokens.insert({ ...tokenRecord('alice', null), hash }, 100)
    const portcullis: Portcullis = createPortcullis({ config: { rateLimit: { enabled: true }, stores: { cacheSeconds: 0 } }, stores })
    const request = async () => {
      const start = performance.now()
      const outcome = await portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: `Bearer ${token}` }), peer: '127.0.0.1' })
      return { status: outcome.kind === 'allow' ? 200 : outcome.kind === 'deny' ? outcome.status : 0, ms: performance.now() - start }
    }
    expect((await request()).status).toBe(200)

    // Traffic: rate-limit consumes, token inserts and deletes, audit appends, lookups.
    const acknowledged: TokenRecord[] = []
    const calls: Call[] = []
    let running = true
    const timed = async (work: () => Promise<unknown>) => {
      const start = performance.now()
      let ok = true
      try {
        await work()
      } catch {
        ok = false
      }
      calls.push({ ok, ms: performance.now() - start, at: Date.now() })
    }
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const record = tokenRecord(`owner${n}`, i % 2 ? Date.now() + 60_000 : null)
        await timed(async () => {
          if ((await stores.tokens.insert(record, 1000)) === 'inserted') acknowledged.push(record)
        })
        await timed(() => stores.rateLimit.consume(`token:w${n}-${i % 5}`, 1000, 2_000, Date.now()))
        await timed(async () => stores.audit.append(auditRecord()))
        await timed(() => stores.tokens.findByHash(before[i % before.length]!.hash))
        if (i % 7 === 6) await timed(() => stores.tokens.delete(acknowledged.findLast((r) => r.owner === `owner${n}`)?.id ?? 'none'))
        await sleep(1)
      }
    }
    const workers = Array.from({ length: 6 }, (_, n) => worker(n))

    await sleep(300)
    const killedAt = Date.now()
    await server!.stop('SIGKILL')
    await sleep(300)
    // The engine refuses with 503 while the stores are down, as fast as the client gives up:
    // two calls in a row (the token lookup, then the audit append of the 503), each bounded.
    const refused = await request()
    expect(refused.status).toBe(503)
    expect(refused.ms).toBeLessThan(2 * commandTimeoutMs + 150)
    await sleep(500)
    const restartedAt = Date.now()
    server = await startServer()
    const answeredAt = Date.now()
    const deadline = answeredAt + 5000
    while (redis.status !== 'ready' && Date.now() < deadline) await sleep(5)
    expect(redis.status).toBe('ready')
    const readyAt = Date.now()
    await sleep(300)
    running = false
    await Promise.all(workers)
    // ...and serves again by itself once Redis is back.
    expect((await request()).status).toBe(200)

    // While down, calls failed, each within the command timeout (plus scheduling slack).
    const down = calls.filter((c) => c.at > killedAt + 100 && c.at < restartedAt)
    expect(down.length).toBeGreaterThan(10)
    expect(down.every((c) => !c.ok)).toBe(true)
    const slowest = Math.max(...down.map((c) => c.ms))
    expect(slowest).toBeLessThan(commandTimeoutMs + 250)
    // Before and after, the same calls succeeded: the stores recovered by themselves.
    expect(calls.filter((c) => c.at < killedAt).every((c) => c.ok)).toBe(true)
    const after = calls.filter((c) => c.at > Date.now() - 150)
    expect(after.length).toBeGreaterThan(0)
    expect(after.every((c) => c.ok)).toBe(true)
    console.info(
      `fault: ${calls.length} calls; request while down: 503 in ${refused.ms.toFixed(1)} ms; ${down.length} store calls while down, all failed, median ${median(down.map((c) => c.ms)).toFixed(1)} ms, slowest ${slowest.toFixed(1)} ms (commandTimeout ${commandTimeoutMs} ms); restarted server answered after ${answeredAt - restartedAt} ms, client ready ${readyAt - answeredAt} ms later`,
    )

    // No token created before the outage is lost, nor any whose insert was acknowledged.
    for (const record of before) expect(await stores.tokens.findByHash(record.hash)).toEqual(record)
    const deleted = new Set<string>()
    for (const record of acknowledged) {
      const found = await stores.tokens.findById(record.id)
      if (found) expect(found).toEqual(record)
      else deleted.add(record.id)
    }
    // Only the workers' own deletes removed tokens (at most one per seventh round each).
    expect(deleted.size).toBeLessThanOrEqual(calls.length / 30 + 6)

    // Every rate-limit key has a TTL.
    const all = await keysOf(redis, prefix)
    const rateKeys = all.filter((k) => k.startsWith(`${prefix}:rate:`))
    expect(rateKeys.length).toBeGreaterThan(0)
    for (const key of rateKeys) expect([key, await redis.pttl(key)]).not.toEqual([key, -1])

    // No token half written: every record has its index entries, and every index entry its record.
    expect(await tokenIntegrityProblems(all)).toEqual([])
    console.info(`fault: ${before.length} tokens from before the outage and ${acknowledged.length - deleted.size} acknowledged during traffic all found; ${rateKeys.length} rate-limit keys, all with a TTL`)
  })
})

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function tokenIntegrityProblems(all: string[]): Promise<string[]> {
  const problems: string[] = []
  const recordKey = keys.tokenByHash('')
  const idKey = keys.tokenById('')
  const ownerKey = keys.tokensOfOwner('')
  const records = new Map<string, Record<string, string>>()
  for (const key of all.filter((k) => k.startsWith(recordKey))) records.set(key.slice(recordKey.length), await redis.hgetall(key))
  for (const [hash, fields] of records) {
    if (fields.hash !== hash) problems.push(`record ${hash}: hash field ${fields.hash}`)
    if ((await redis.get(keys.tokenById(fields.id!))) !== hash) problems.push(`record ${hash}: no id index`)
    if ((await redis.zscore(keys.tokensOfOwner(fields.owner!), hash)) === null) problems.push(`record ${hash}: not in owner set`)
    const expiry = await redis.zscore(keys.tokenExpiry, hash)
    if ((expiry === null) !== (fields.expiresAt === '')) problems.push(`record ${hash}: expiry index ${expiry}, expiresAt ${fields.expiresAt}`)
  }
  for (const key of all.filter((k) => k.startsWith(idKey))) {
    const hash = (await redis.get(key))!
    if (records.get(hash)?.id !== key.slice(idKey.length)) problems.push(`${key}: points to ${hash}, no such record`)
  }
  for (const key of [...all.filter((k) => k.startsWith(ownerKey)), keys.tokenExpiry]) {
    for (const hash of await redis.zrange(key, 0, -1)) if (!records.has(hash)) problems.push(`${key}: member ${hash} without record`)
  }
  return problems
}
