/**
 * Engine benchmark: API-token decisions per second on the memory store, beside a floor
 * measured in the same process and run ("hash the token + one Map lookup").
 *
 *   node --import tsx bench/engine.ts [--rounds=5] [--seconds=1] [--pieces]
 *   npm run bench:engine -- [--pieces]
 *
 * Variants, interleaved round by round after one warm-up of each:
 *   - floor:  node:crypto createHash('sha256') hex of the token + Map.get (synchronous)
 *   - raw:    authenticate() from core/engine.ts (no audit)
 *   - handle: createPortcullis(...).handle, audit enabled on the memory audit store
 *   - handle-noaudit: the same with audit off, only to show the audit store's share
 *
 * `--only=raw` (or `handle`) runs the floor and that variant only, e.g. under `node --cpu-prof`.
 * `--pieces` also times the parts of a decision one by one (where the time goes).
 * Not a test: vitest only collects `*.test.ts`.
 */
import { createHash, hash as oneShotHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { authenticate, createPortcullis, hashToken, isWellFormedToken, loadConfig, type AuthRequest, type HeaderReader } from '../core/index.ts'
import { requestFields } from '../core/audit/record.ts'
import { parseAuthorization } from '../core/credentials/authorization.ts'
import { normalizePath } from '../core/http/path.ts'
import { holds } from '../core/policy/permissions.ts'
import { createProviders } from '../core/providers/runtime.ts'
import { sha256HexPortable, sha256Implementation } from '../core/crypto/sha256.ts'
import { isThenable } from '../core/awaitable.ts'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MemoryAuditStore, memoryStores } from '../storage/memory/index.ts'
import { flags } from './flags.ts'
import { fmt, median, pct } from './stats.ts'
import { loadAverage, machineBusySeconds } from './machine.ts'

const args = flags()
const rounds = Number(args.get('rounds') ?? 5)
const seconds = Number(args.get('seconds') ?? 1)
const warmupSeconds = Number(args.get('warmup') ?? 1)
const pieces = args.has('pieces')

// ---- setup -------------------------------------------------------------------------------

const config = loadConfig({}) // defaults: audit enabled, api tokens enabled, use: everyone
const stores = memoryStores()
const user = await stores.users.add({ username: 'alice', email: 'alice@example.com', displayName: 'Alice Example', groups: ['developers', 'users'] })
const portcullis = createPortcullis({ config, stores })
// The same engine with audit off, to attribute the audit store's share of `handle`.
const quiet = createPortcullis({ config: loadConfig({ audit: { enabled: false } }), stores })
const created = await portcullis.tokens().create(user, { name: 'bench', validity: 'never' })
if (!created.ok) throw new Error(`token create failed: ${created.error}`)
const token = created.value.token
const authorization = `Bearer ${token}`

/** What an adapter hands over: a plain reader, as the Node adapter's rawHeaders reader is. */
const headers: HeaderReader = { get: (name) => (name.toLowerCase() === 'authorization' ? authorization : null) }
const request: AuthRequest = { method: 'GET', target: '/rest/api/2/myself', headers, peer: '127.0.0.1' }

const floorMap = new Map([[createHash('sha256').update(token).digest('hex'), { owner: 'alice' }]])
if (floorMap.get(hashToken(token)) === undefined) throw new Error('floor: node:crypto and hashToken disagree')

// The whole policy chain on top of the token check (issue 3): an IP allowlist of 100 ranges,
// allowed and read-only groups, a rate limit and audit. The limit is high enough that every
// request of a round is allowed, so both sides make the same decision.
const chain = createPortcullis({
  config: loadConfig({
    network: { allow: [...Array.from({ length: 99 }, (_, i) => `10.${i}.0.0/16`), '127.0.0.0/8'] },
    access: { allowedGroups: ['developers'], readOnlyGroups: ['readers'] },
    rateLimit: { enabled: true, limit: 100_000, windowSeconds: 1 },
  }),
  stores,
})

// Four tokens of the same user take turns, so each stays under the limit (100,000 per second)
// however fast this machine is; the rate limit counts per token.
const chainRequests: AuthRequest[] = []
for (let i = 0; i < 4; i++) {
  const extra = await portcullis.tokens().create(user, { name: `chain ${i}`, validity: 'never' })
  if (!extra.ok) throw new Error(`token create failed: ${extra.error}`)
  const value = `Bearer ${extra.value.token}`
  chainRequests.push({ ...request, headers: { get: (name) => (name.toLowerCase() === 'authorization' ? value : null) } })
}
let turn = 0

// Sanity: every engine path allows, before anything is timed.
for (const d of [await authenticate(request, config, stores), await portcullis.handle(request), await quiet.handle(request), await chain.handle(request)]) {
  if (d.kind !== 'allow' || d.user.username !== 'alice') throw new Error(`expected allow for alice, got ${JSON.stringify(d)}`)
}

// ---- timing ------------------------------------------------------------------------------

let sink: unknown
const batch = 1000

function timeSync(fn: () => unknown, ms: number): number {
  const start = performance.now()
  const deadline = start + ms
  let ops = 0
  let now: number
  do {
    for (let i = 0; i < batch; i++) sink = fn()
    ops += batch
    now = performance.now()
  } while (now < deadline)
  return ops / ((now - start) / 1000)
}

/** Times `fn`, awaiting only the answers that are promises, as an adapter does. */
async function timeAsync(fn: () => unknown, ms: number): Promise<number> {
  const start = performance.now()
  const deadline = start + ms
  let ops = 0
  let now: number
  do {
    for (let i = 0; i < batch; i++) {
      const answer = fn()
      sink = isThenable(answer) ? await answer : answer
    }
    ops += batch
    now = performance.now()
  } while (now < deadline)
  return ops / ((now - start) / 1000)
}

interface Variant {
  readonly name: string
  readonly what: string
  readonly run: (ms: number) => Promise<number>
}

const allVariants: Variant[] = [
  { name: 'floor', what: "createHash('sha256') hex + Map.get", run: async (ms) => timeSync(() => floorMap.get(createHash('sha256').update(token).digest('hex')), ms) },
  { name: 'raw', what: 'authenticate() (core/engine.ts, no audit)', run: (ms) => timeAsync(() => authenticate(request, config, stores), ms) },
  { name: 'handle', what: 'createPortcullis().handle (audit on, memory store)', run: (ms) => timeAsync(() => portcullis.handle(request), ms) },
  { name: 'handle-noaudit', what: 'createPortcullis().handle, audit off (attribution only)', run: (ms) => timeAsync(() => quiet.handle(request), ms) },
  { name: 'chain', what: 'handle + IP allowlist (100 ranges), groups, rate limit, audit', run: (ms) => timeAsync(() => chain.handle(chainRequests[turn++ & 3]!), ms) },
]

const only = args.get('only')?.split(',')
const variants = allVariants.filter((v) => v.name === 'floor' || !only || only.includes(v.name))


console.error(`warm-up ${warmupSeconds}s each, then ${rounds} interleaved rounds of ${seconds}s per variant...`)
const loadBefore = loadAverage()
for (const v of variants) await v.run(warmupSeconds * 1000)
const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]))
/** Per round: CPU-seconds per second the rest of the machine used (all CPUs), when known. */
const foreign: number[] = []
for (let r = 0; r < rounds; r++) {
  const busy = machineBusySeconds()
  const self = process.cpuUsage()
  const start = performance.now()
  for (const v of variants) samples.get(v.name)!.push(await v.run(seconds * 1000))
  const busyAfter = machineBusySeconds()
  if (busy !== undefined && busyAfter !== undefined) {
    const mine = process.cpuUsage(self)
    foreign.push(Math.max(0, busyAfter - busy - (mine.user + mine.system) / 1e6) / ((performance.now() - start) / 1000))
  }
  console.error(`  round ${r + 1}: ${variants.map((v) => `${v.name} ${fmt(samples.get(v.name)![r]!)}/s`).join(', ')}${foreign[r] === undefined ? '' : `; other processes ${foreign[r]!.toFixed(2)} CPU`}`)
}
// The last decision must still be an allow (the audit store trimming did not break anything).
for (const engine of [portcullis, chain]) {
  const last = await engine.handle(request)
  if (last.kind !== 'allow') throw new Error(`expected allow at the end, got ${last.kind}`)
}
const refused = stores.audit.query({ outcome: 'rate-limited', limit: 1 }).length
if (refused) throw new Error('the chain variant hit its rate limit: its figures mix allows and 429s')

const floorMedian = median(samples.get('floor')!)
console.log(`\n## Engine: valid Bearer API token, memory store\n`)
console.log(`Command: \`node --import tsx bench/engine.ts${process.argv.slice(2).map((a) => ` ${a}`).join('')}\``)
console.log(`Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs; ${rounds} interleaved rounds x ${seconds}s after ${warmupSeconds}s warm-up per variant; audit store holds ${stores.audit.query({ limit: Infinity }).length.toLocaleString('en-US')} records at the end.`)
console.log(
  `Machine: load average ${loadBefore} before, ${loadAverage()} after` +
    (foreign.length ? `; other processes used ${median(foreign).toFixed(2)} CPU (median of rounds, max ${Math.max(...foreign).toFixed(2)}) while this ran.\n` : '.\n'),
)
console.log('| variant | what | median decisions/s | min | max | median / floor median | median of per-round ratios | target (>= 40% of floor) |')
console.log('|---|---|---:|---:|---:|---:|---:|---|')
const floorSamples = samples.get('floor')!
for (const v of variants) {
  const xs = samples.get(v.name)!
  const m = median(xs)
  // Each round's ratio compares runs seconds apart, so it is less exposed to drift on a shared host.
  const perRound = median(xs.map((x, i) => x / floorSamples[i]!))
  const target = v.name === 'floor' || v.name === 'handle-noaudit' || v.name === 'chain' ? '' : m / floorMedian >= 0.4 ? 'met' : '**not met**'
  const isFloor = v.name === 'floor'
  console.log(`| ${v.name} | ${v.what} | ${fmt(m)} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${isFloor ? '100%' : pct(m / floorMedian)} | ${isFloor ? '100%' : pct(perRound)} | ${target} |`)
}
if (samples.has('chain') && samples.has('handle')) {
  const chainXs = samples.get('chain')!
  const handleXs = samples.get('handle')!
  const ratio = median(chainXs) / median(handleXs)
  const perRound = median(chainXs.map((x, i) => x / handleXs[i]!))
  console.log(`\nPolicy chain vs token-only \`handle\`: ${pct(ratio)} (medians), ${pct(perRound)} (median of per-round ratios); target >= 70%: ${ratio >= 0.7 ? 'met' : '**not met**'}.`)
}

// ---- pieces ------------------------------------------------------------------------------

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

if (pieces) {
  const ms = 500
  const segments = normalizePath(request.target)!
  const pieceList: { name: string; fn: () => unknown; async?: boolean; setup?: () => void }[] = [
    { name: "floor's hash: node:crypto createHash('sha256').update().digest('hex')", fn: () => createHash('sha256').update(token).digest('hex') },
    { name: `hashToken() (core: sha256Hex, ${sha256Implementation} here)`, fn: () => hashToken(token) },
    { name: 'sha256HexPortable() (the @noble/hashes fallback)', fn: () => sha256HexPortable(token) },
    { name: 'alternative: @noble/hashes sha256 of ASCII bytes (charCodeAt loop) + bytesToHex', fn: () => bytesToHex(sha256(asciiBytes(token))) },
    { name: "alternative: node:crypto hash('sha256', token) one-shot hex (Node >= 20.12, Deno 2)", fn: () => oneShotHash('sha256', token) },
    { name: 'createProviders(config) (a bare authenticate() makes one per call)', fn: () => createProviders(config) },
    { name: 'isWellFormedToken (length, prefix, regex, CRC-32 base62)', fn: () => isWellFormedToken(token) },
    { name: 'parseAuthorization', fn: () => parseAuthorization(authorization) },
    { name: 'normalizePath', fn: () => normalizePath(request.target) },
    { name: 'config.compiled.prefix(segments)', fn: () => config.compiled.prefix(segments) },
    { name: 'requestFields', fn: () => requestFields(Date.now(), 'GET', segments, request.target, '127.0.0.1') },
    { name: 'headers.get + Date.now', fn: () => headers.get('authorization') ?? Date.now() },
    { name: 'tokens.findByHash + users.find + holds', fn: () => holds(stores.users.find(stores.tokens.findByHash(floorMap.keys().next().value!)!.owner)!, config.compiled.grants.use, config) },
  ]
  const record = (await portcullis.handle(request)).audit
  // Created when their piece starts, so the records they keep do not weigh on earlier pieces.
  let fullAudit = new MemoryAuditStore()
  let emptyAudit = new MemoryAuditStore()
  pieceList.push(
    { name: 'await of a resolved promise (1 tick)', fn: async () => sink, async: true },
    // On Node 20 (V8 11.3) every property written after a leading `...spread` in a literal
    // costs about a microsecond, and freezing a spread copy is slow too; Deno's newer V8 is not affected.
    { name: 'literal `{ ...fields, 5 props, ...(cond && { tokenId }) }`', fn: () => {
      const fields = requestFields(1, 'GET', segments, request.target, '127.0.0.1')
      return { ...fields, event: 'authenticate', outcome: 'success', reason: 'api-token', user: 'alice', via: 'api-token', ...(sink !== 0 && { tokenId: 'x' }) }
    } },
    { name: 'the same record with its properties written out', fn: () => {
      const fields = requestFields(1, 'GET', segments, request.target, '127.0.0.1')
      return { time: fields.time, method: fields.method, path: fields.path, client: fields.client, event: 'authenticate', outcome: 'success', reason: 'api-token', user: 'alice', via: 'api-token', tokenId: 'x' }
    } },
    { name: 'Object.freeze({ ...record })', fn: () => Object.freeze({ ...record }) },
    { name: 'Object.freeze(Object.assign({}, record))', fn: () => Object.freeze(Object.assign({}, record)) },
    // Last: these stores keep what they are given, and a big heap slows every later piece.
    { name: 'memory audit.append, store at its 100k cap', fn: () => fullAudit.append(record), setup: () => {
      fullAudit = new MemoryAuditStore()
      for (let i = 0; i < 100_000; i++) fullAudit.append(record)
    } },
    { name: 'memory audit.append, store below its cap', fn: () => emptyAudit.append(record), setup: () => {
      fullAudit = new MemoryAuditStore()
      emptyAudit = new MemoryAuditStore({ maxEntries: 1_000_000_000 })
    } },
  )
  console.log(`\n### Pieces (each alone, ${ms} ms after ${ms} ms warm-up)\n`)
  console.log('| piece | ops/s | ns/op |')
  console.log('|---|---:|---:|')
  for (const p of pieceList) {
    p.setup?.()
    const run = (t: number) => (p.async ? timeAsync(p.fn as () => Promise<unknown>, t) : Promise.resolve(timeSync(p.fn, t)))
    await run(ms)
    const rate = await run(ms)
    console.log(`| ${p.name} | ${fmt(rate)} | ${(1e9 / rate).toFixed(0)} |`)
  }
  console.log(`\nPer decision: ${variants.map((v) => `${v.name} ${(1e9 / median(samples.get(v.name)!)).toFixed(0)} ns`).join(', ')}.`)
}

if (sink === Symbol.for('never')) console.log('')
