/**
 * Store benchmark (issue 5): `createPortcullis().handle` decisions per second for a valid
 * Bearer API token with rate limiting and audit on, on the memory, SQLite and Redis
 * stores side by side (interleaved rounds, medians). Caches are warm: the token and user
 * reads of an asynchronous store (Redis) are served from the in-process cache; SQLite
 * (better-sqlite3) is synchronous and read directly.
 *
 *   node --import tsx bench/stores.ts [--rounds=5] [--seconds=2] [--only=memory,redis]
 *
 * Needs Redis on 127.0.0.1:6379 (keys under a fresh prefix, deleted at the end).
 * `--concurrency` requests are in flight at once (default 32, as a server with many
 * connections has them), which lets ioredis pipeline; `--concurrency=1` shows the
 * per-decision latency instead. `--only` runs some of the stores (one alone for a CPU
 * profile; without memory the ratio is missing). Not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createPortcullis, loadConfig, type AuthRequest, type Portcullis } from '../core/index.ts'
import type { Stores, UserStore } from '../storage/types.ts'
import { memoryStores } from '../storage/memory/index.ts'
import { betterSqlite3 } from '../storage/sqlite/better-sqlite3.ts'
import { openSqliteStores } from '../storage/sqlite/index.ts'
import { redisClientOptions, redisStores } from '../storage/redis/index.ts'
import { flags } from './flags.ts'
import { median } from './stats.ts'

const args = flags()
const rounds = Number(args.get('rounds') ?? 5)
const seconds = Number(args.get('seconds') ?? 2)
/** Requests in flight at once, as a server with many connections has them. */
const concurrency = Number(args.get('concurrency') ?? 32)
const only = args.get('only')?.split(',')

const config = loadConfig({ rateLimit: { enabled: true, limit: 100_000, windowSeconds: 1 } })
const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'))
const prefix = `bench-${process.pid}`
const redis = new Redis('redis://127.0.0.1:6379', redisClientOptions())

async function setup(name: string, stores: Stores & { users: UserStore }): Promise<{ name: string; portcullis: Portcullis; requests: AuthRequest[] }> {
  const user = await stores.users.add({ username: 'alice', groups: ['developers'] })
  const portcullis = createPortcullis({ config, stores })
  // Four tokens take turns so no token reaches the rate limit in a one-second window.
  const requests: AuthRequest[] = []
  for (let i = 0; i < 4; i++) {
    const created = await portcullis.tokens().create(user, { name: `bench ${i}`, validity: 'never' })
    if (!created.ok) throw new Error(`${name}: token create failed: ${created.error}`)
    const authorization = `Bearer ${created.value.token}`
    requests.push({ method: 'GET', target: '/rest/api/2/myself', headers: { get: (h) => (h === 'authorization' ? authorization : null) }, peer: '127.0.0.1' })
  }
  const check = await portcullis.handle(requests[0]!)
  if (check.kind !== 'allow') throw new Error(`${name}: expected allow, got ${check.kind}`)
  return { name, portcullis, requests }
}

const open: Record<string, () => Stores & { users: UserStore }> = {
  memory: () => memoryStores({ passwordIterations: 1000 }),
  sqlite: () => openSqliteStores({ path: join(dir, 'bench.sqlite'), driver: betterSqlite3, passwordIterations: 1000 }),
  // Counters in the file, exact across processes sharing it: a write transaction per request.
  'sqlite-shared': () => openSqliteStores({ path: join(dir, 'bench-shared.sqlite'), driver: betterSqlite3, passwordIterations: 1000, rateLimit: 'shared' }),
  redis: () => redisStores({ redis, prefix, passwordIterations: 1000 }),
}
for (const name of only ?? []) if (!(name in open)) throw new TypeError(`--only: expected some of ${Object.keys(open).join(', ')}`)
const subjects: Awaited<ReturnType<typeof setup>>[] = []
for (const [name, stores] of Object.entries(open)) if (only === undefined || only.includes(name)) subjects.push(await setup(name, stores()))

async function time(subject: (typeof subjects)[number], ms: number): Promise<number> {
  const start = performance.now()
  let n = 0
  let denied = 0
  const worker = async () => {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 50; i++) if ((await subject.portcullis.handle(subject.requests[n++ & 3]!)).kind !== 'allow') denied++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  if (denied) throw new Error(`${subject.name}: ${denied} decisions were not allows`)
  return n / ((performance.now() - start) / 1000)
}

const samples = new Map(subjects.map((s) => [s.name, [] as number[]]))
for (const s of subjects) await time(s, 500)
for (let r = 0; r < rounds; r++) for (const s of subjects) samples.get(s.name)!.push(await time(s, seconds * 1000))

const memory = samples.has('memory') ? median(samples.get('memory')!) : NaN
console.log(`\n## Stores: handle() with rate limit and audit on, valid Bearer API token\n`)
console.log(`Command: \`node --import tsx bench/stores.ts${process.argv.slice(2).map((a) => ` ${a}`).join('')}\`; ${rounds} interleaved rounds x ${seconds}s, ${concurrency} requests in flight.\n`)
console.log('| store | median decisions/s | min | max | vs memory | target |')
console.log('|---|---:|---:|---:|---:|---|')
const targets: Record<string, number> = { sqlite: 0.6, redis: 0.4 }
for (const s of subjects) {
  const xs = samples.get(s.name)!
  const m = median(xs)
  const target = targets[s.name]
  console.log(`| ${s.name} | ${Math.round(m).toLocaleString('en-US')} | ${Math.round(Math.min(...xs)).toLocaleString('en-US')} | ${Math.round(Math.max(...xs)).toLocaleString('en-US')} | ${((m / memory) * 100).toFixed(1)}% | ${target === undefined ? '' : `>= ${target * 100}%: ${m / memory >= target ? 'met' : '**not met**'}`} |`)
}

let cursor = '0'
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
  cursor = next
  if (keys.length) await Promise.all(keys.map((k) => redis.unlink(k)))
} while (cursor !== '0')
await redis.quit()
rmSync(dir, { recursive: true, force: true })
