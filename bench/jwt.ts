/**
 * JWT and OAuth benchmark (issue 4): engine decisions per second for Bearer JWTs and
 * introspected OAuth access tokens, each beside a baseline measured in the same process
 * and run. Memory stores, audit on, defaults otherwise unless a variant says so.
 *
 *   node --import tsx bench/jwt.ts [--rounds=5] [--seconds=1] [--warmup=1] [--only=<group>[,<group>]] [--pool=4000]
 *
 * Groups and variants, all interleaved round by round after one warm-up of each:
 *
 * rs256, es256 — a JWT seen for the first time (signature verified on every request):
 *   - jose (baseline): raw `jose.jwtVerify(token, key, { algorithms: [alg] })`, the key being
 *     `importSPKI` of the PEM the engine is configured with, on the one token `nocache` uses
 *   - nocache: createPortcullis().handle with `jwt.cacheSeconds: 0`, one token, repeated
 *   - distinct: handle with the verified-token cache on (`jwt.cacheEntries` 1000) and a pool of
 *     `--pool` distinct tokens (own `jti`), signed before timing and cycled in order: more
 *     tokens than entries, so every lookup misses and every insert evicts (a full cache's steady
 *     state); this adds the miss's costs (hash of the token, LRU get + set) to `nocache`
 *   - nocache-node, distinct-node: the same two with `signatureCheck: nodeSignatureCheck`
 *     (portcullis/node), as a Node server sets it up: node:crypto checks the signature, jose
 *     does the rest (header, key, claims)
 *   - node-verify (reference only): synchronous `node:crypto.verify` with a KeyObject on the
 *     same token: the signature check alone (split, base64url, verify), no claim read
 *   Target: nocache and distinct (jose's verify, what every runtime gets) >= 90% of jose;
 *   the -node variants are held to the same bar.
 *
 * cached — a repeated token, its verification remembered:
 *   - api-token (baseline): handle with a Portcullis API token of the same user (bench/engine.ts's path)
 *   - jwt-rs256, jwt-es256: handle with one repeated JWT, `jwt` cache on (defaults), same engine
 *   Target: about what an API token costs, read as >= 80% of api-token.
 *
 * introspection — an opaque OAuth access token checked by RFC 7662 introspection at a real
 * loopback HTTP server (node:http on 127.0.0.1, in this process) that counts its hits:
 *   - api-token (baseline): handle with an API token, same engine
 *   - oauth-cached: one repeated opaque token; after the first request the introspection cache
 *     answers (defaults: `oauth.cacheSeconds` 60), so the endpoint sees it about once a minute
 *   - oauth-first (reference only): a new token on every request, so one HTTP round trip each
 *     (client and server share this process's event loop and CPU)
 *   Target: oauth-cached >= 80% of api-token.
 *
 * Every variant's result is checked before timing and on every timed call (an allow for
 * alice by the expected method, or a verified signature): a deny throws with its reason,
 * so a run cannot silently measure refusals. Not a test: vitest only collects `*.test.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { jwtVerify, type JWTVerifyResult } from 'jose'
import { createPortcullis, type AuthMethod, type AuthRequest, type ConfigInput, type Outcome, type Portcullis } from '../core/index.ts'
import { nodeSignatureCheck } from '../adapters/node.ts'
import { memoryStores } from '../storage/memory/index.ts'
import { issuerKey, nodeVerifySignature, type IssuerKey } from './jwt-keys.ts'
import { flags } from './flags.ts'
import { fmt, median, pct } from './stats.ts'
import { loadAverage, machineBusySeconds } from './machine.ts'

const args = flags()
const rounds = Number(args.get('rounds') ?? 5)
const seconds = Number(args.get('seconds') ?? 1)
const warmupSeconds = Number(args.get('warmup') ?? 1)
const poolSize = Number(args.get('pool') ?? 4000)
/** The verified-token cache bound of the `distinct` variants: below the pool, so the pool never fits. */
const distinctCacheEntries = 1000

const groups = {
  rs256: { title: 'JWT RS256 seen for the first time', baseline: 'jose', target: 0.9, against: 'jose.jwtVerify' },
  es256: { title: 'JWT ES256 seen for the first time', baseline: 'jose', target: 0.9, against: 'jose.jwtVerify' },
  cached: { title: 'Repeated JWT (verified-token cache) vs API token', baseline: 'api-token', target: 0.8, against: 'api-token' },
  introspection: { title: 'Opaque OAuth token, RFC 7662 introspection cached, vs API token', baseline: 'api-token', target: 0.8, against: 'api-token' },
} as const
type Group = keyof typeof groups
const only = args.get('only')?.split(',')
for (const name of only ?? []) if (!(name in groups)) throw new TypeError(`--only: unknown group ${name} (groups: ${Object.keys(groups).join(', ')})`)
const selected = (Object.keys(groups) as Group[]).filter((g) => !only || only.includes(g))
if (!(poolSize > distinctCacheEntries)) throw new TypeError(`--pool must exceed ${distinctCacheEntries} (the distinct variants' cache bound)`)

// ---- setup -------------------------------------------------------------------------------

const stores = memoryStores()
const user = await stores.users.add({ username: 'alice', email: 'alice@example.com', displayName: 'Alice Example', groups: ['developers', 'users'] })

/** What an adapter hands over: a plain header reader, as bench/engine.ts uses. */
const request = (authorization: string): AuthRequest => ({
  method: 'GET',
  target: '/rest/api/2/myself',
  headers: { get: (name) => (name.toLowerCase() === 'authorization' ? authorization : null) },
  peer: '127.0.0.1',
})
const bearer = (token: string) => request(`Bearer ${token}`)

async function apiTokenOf(engine: Portcullis): Promise<AuthRequest> {
  const created = await engine.tokens().create(user, { name: `bench ${Math.random()}`, validity: 'never' })
  if (!created.ok) throw new Error(`token create failed: ${created.error}`)
  return bearer(created.value.token)
}

const jwtIssuer = (key: IssuerKey) => ({ issuer: key.issuer, algorithms: [key.alg], publicKey: key.pem })

/** Why an outcome is not what a variant expects, with the deny's reason. */
function refusal(outcome: Outcome, via: AuthMethod): Error {
  const why = outcome.kind === 'deny' ? `deny ${outcome.error} (${outcome.audit.detail ?? 'no detail'})` : outcome.kind === 'allow' ? `allow ${outcome.user.username} via ${outcome.via}` : outcome.kind
  return new Error(`expected an allow for alice via ${via}, got ${why}`)
}
const allowedVia = (via: AuthMethod) => (result: unknown) => {
  const outcome = result as Outcome
  if (outcome.kind !== 'allow' || outcome.via !== via || outcome.user.username !== 'alice') throw refusal(outcome, via)
}
const verifiedForAlice = (result: unknown) => {
  if ((result as JWTVerifyResult).payload.sub !== 'alice') throw new Error(`jose: expected sub alice, got ${JSON.stringify((result as JWTVerifyResult).payload)}`)
}
const signatureValid = (result: unknown) => {
  if (result !== true) throw new Error('node:crypto.verify: signature refused')
}

interface Variant {
  readonly group: Group
  readonly name: string
  readonly what: string
  /** No target: shown for reference. */
  readonly reference?: true
  /** One operation: a promise, or with `sync` a plain value. */
  readonly op: () => unknown
  readonly sync?: true
  /** Throws unless the operation's result is the expected success. Runs on every timed call. */
  readonly accept: (result: unknown) => void
  /** Operations between clock readings: fewer for slow variants. */
  readonly batch: number
}

const variants: Variant[] = []
/** Said under a group's table. */
const notes = new Map<Group, string[]>()
let closeServer = async () => {}
let introspectionReport = () => ''

for (const group of selected.filter((g): g is 'rs256' | 'es256' => g === 'rs256' || g === 'es256')) {
  const key = await issuerKey(group === 'rs256' ? 'RS256' : 'ES256')
  const signStart = performance.now()
  const [token, ...pool] = await key.sign('alice', poolSize + 1)
  console.error(`${key.alg}: signed ${poolSize + 1} distinct tokens in ${((performance.now() - signStart) / 1000).toFixed(1)} s`)
  const nocacheConfig: ConfigInput = { jwt: { issuers: [jwtIssuer(key)], cacheSeconds: 0 } }
  const distinctConfig: ConfigInput = { jwt: { issuers: [jwtIssuer(key)], cacheEntries: distinctCacheEntries } }
  const nocache = createPortcullis({ config: nocacheConfig, stores })
  const distinct = createPortcullis({ config: distinctConfig, stores })
  const nocacheNode = createPortcullis({ config: nocacheConfig, stores, signatureCheck: nodeSignatureCheck })
  const distinctNode = createPortcullis({ config: distinctConfig, stores, signatureCheck: nodeSignatureCheck })
  const one = bearer(token!)
  const poolRequests = pool.map(bearer)
  let next = 0
  let nextNode = 0
  const options = { algorithms: [key.alg] }
  variants.push(
    { group, name: 'jose', what: `jose.jwtVerify(token, importSPKI key, { algorithms: ['${key.alg}'] })`, op: () => jwtVerify(token!, key.cryptoKey, options), accept: verifiedForAlice, batch: 100 },
    { group, name: 'nocache', what: 'handle, jwt.cacheSeconds 0, one token', op: () => nocache.handle(one), accept: allowedVia('jwt'), batch: 100 },
    { group, name: 'distinct', what: `handle, cache on (${distinctCacheEntries} entries), ${poolSize} distinct tokens in turn: all misses`, op: () => distinct.handle(poolRequests[next++ % poolSize]!), accept: allowedVia('jwt'), batch: 100 },
    { group, name: 'nocache-node', what: 'nocache with signatureCheck: nodeSignatureCheck', op: () => nocacheNode.handle(one), accept: allowedVia('jwt'), batch: 100 },
    { group, name: 'distinct-node', what: 'distinct with signatureCheck: nodeSignatureCheck', op: () => distinctNode.handle(poolRequests[nextNode++ % poolSize]!), accept: allowedVia('jwt'), batch: 100 },
    { group, name: 'node-verify', what: 'node:crypto.verify, KeyObject, signature only (sync)', reference: true, op: () => nodeVerifySignature(token!, key.nodeKey), sync: true, accept: signatureValid, batch: 100 },
  )
  notes.set(group, [
    `First sight two ways: \`nocache\` turns the verified-token cache off and repeats one token; \`distinct\` keeps it on and sends ${poolSize.toLocaleString('en-US')} distinct pre-signed tokens in turn through a ${distinctCacheEntries}-entry LRU, so each request is a miss (hash + lookup + insert with eviction). \`jose\` verifies the \`nocache\` token (it keeps no per-token state). The \`-node\` rows inject \`nodeSignatureCheck\` (portcullis/node): node:crypto checks the signature, jose still decodes the header, picks the key and validates the claims. \`node-verify\` is a reference (no claim checks), not a target.`,
  ])
}

if (selected.includes('cached')) {
  const [rs, es] = await Promise.all([issuerKey('RS256'), issuerKey('ES256')])
  const engine = createPortcullis({ config: { jwt: { issuers: [jwtIssuer(rs), jwtIssuer(es)] } }, stores })
  const apiToken = await apiTokenOf(engine)
  const rsToken = bearer((await rs.sign('alice', 1))[0]!)
  const esToken = bearer((await es.sign('alice', 1))[0]!)
  variants.push(
    { group: 'cached', name: 'api-token', what: 'handle, Portcullis API token (same user, same engine)', op: () => engine.handle(apiToken), accept: allowedVia('api-token'), batch: 1000 },
    { group: 'cached', name: 'jwt-rs256', what: 'handle, one RS256 JWT repeated, jwt cache on (defaults)', op: () => engine.handle(rsToken), accept: allowedVia('jwt'), batch: 1000 },
    { group: 'cached', name: 'jwt-es256', what: 'handle, one ES256 JWT repeated, jwt cache on (defaults)', op: () => engine.handle(esToken), accept: allowedVia('jwt'), batch: 1000 },
  )
  notes.set('cached', ['One engine with both issuers serves all three; each JWT is verified once before timing, so every timed request is a cache hit.'])
}

if (selected.includes('introspection')) {
  const clientId = 'portcullis'
  const clientSecret = 'bench-introspection-secret'
  /** RFC 6749 section 2.3.1: client_secret_basic form-urlencodes the id and secret before base64. */
  const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '))
  const authorized = (header: string | undefined) => {
    if (!header?.startsWith('Basic ')) return false
    const [id, secret] = atob(header.slice(6)).split(':', 2).map(formDecode)
    return id === clientId && secret === clientSecret
  }
  const hits = new Map<string, number>()
  let refused = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token')
      if (req.method !== 'POST' || req.url !== '/introspect' || !authorized(req.headers.authorization) || !token) {
        refused++
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
        return
      }
      hits.set(token, (hits.get(token) ?? 0) + 1)
      const exp = Math.floor(Date.now() / 1000) + 3600
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, username: 'alice', client_id: 'bench-app', scope: 'api', token_type: 'access_token', exp }))
    })
  })
  // Rounds of other variants run between this server's requests: keep the connection open across them.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
  const config: ConfigInput = { oauth: { introspection: { endpoint, clientId, clientSecret } } }
  const engine = createPortcullis({ config, stores })
  const apiToken = await apiTokenOf(engine)
  const cachedToken = `opaque-cached-${crypto.randomUUID()}`
  const cached = bearer(cachedToken)
  const firstPrefix = `opaque-first-${crypto.randomUUID()}-`
  let firstCount = 0
  variants.push(
    { group: 'introspection', name: 'api-token', what: 'handle, Portcullis API token (same user, same engine)', op: () => engine.handle(apiToken), accept: allowedVia('api-token'), batch: 1000 },
    { group: 'introspection', name: 'oauth-cached', what: 'handle, one opaque token repeated, introspection cache on (defaults)', op: () => engine.handle(cached), accept: allowedVia('oauth'), batch: 1000 },
    { group: 'introspection', name: 'oauth-first', what: 'handle, a new opaque token each time: one loopback HTTP round trip each', reference: true, op: () => engine.handle(bearer(`${firstPrefix}${firstCount++}`)), accept: allowedVia('oauth'), batch: 50 },
  )
  const startedAt = performance.now()
  introspectionReport = () => {
    const minutes = (performance.now() - startedAt) / 60_000
    const firstHits = [...hits].reduce((sum, [token, n]) => sum + (token.startsWith(firstPrefix) ? n : 0), 0)
    return (
      `Introspection endpoint hits: the \`oauth-cached\` token ${hits.get(cachedToken) ?? 0} over ${minutes.toFixed(1)} min (expected: one a minute at most with oauth.cacheSeconds 60, unless \`oauth-first\`'s new tokens pushed it out of the 10,000-entry cache); ` +
      `\`oauth-first\` ${firstHits.toLocaleString('en-US')} for ${firstCount.toLocaleString('en-US')} distinct tokens; ${refused} refused requests.`
    )
  }
  closeServer = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

// Sanity: every variant's result is what it should be, before anything is timed.
for (const v of variants) v.accept(v.sync ? v.op() : await v.op())

// ---- timing ------------------------------------------------------------------------------

let sink: unknown

function timeSync(v: Variant, ms: number): number {
  const { op, accept, batch } = v
  const start = performance.now()
  const deadline = start + ms
  let ops = 0
  let now: number
  do {
    for (let i = 0; i < batch; i++) accept((sink = op()))
    ops += batch
    now = performance.now()
  } while (now < deadline)
  return ops / ((now - start) / 1000)
}

async function timeAsync(v: Variant, ms: number): Promise<number> {
  const { op, accept, batch } = v
  const start = performance.now()
  const deadline = start + ms
  let ops = 0
  let now: number
  do {
    for (let i = 0; i < batch; i++) accept((sink = await op()))
    ops += batch
    now = performance.now()
  } while (now < deadline)
  return ops / ((now - start) / 1000)
}

const run = (v: Variant, ms: number) => (v.sync ? Promise.resolve(timeSync(v, ms)) : timeAsync(v, ms))
const key = (v: Variant) => `${v.group}/${v.name}`


console.error(`warm-up ${warmupSeconds}s each, then ${rounds} interleaved rounds of ${seconds}s per variant (${variants.length} variants)...`)
const loadBefore = loadAverage()
for (const v of variants) await run(v, warmupSeconds * 1000)
const samples = new Map<string, number[]>(variants.map((v) => [key(v), []]))
/** Per round: CPU-seconds per second the rest of the machine used (all CPUs), when known. */
const foreign: number[] = []
for (let r = 0; r < rounds; r++) {
  const busy = machineBusySeconds()
  const self = process.cpuUsage()
  const start = performance.now()
  for (const v of variants) samples.get(key(v))!.push(await run(v, seconds * 1000))
  const busyAfter = machineBusySeconds()
  if (busy !== undefined && busyAfter !== undefined) {
    const mine = process.cpuUsage(self)
    foreign.push(Math.max(0, busyAfter - busy - (mine.user + mine.system) / 1e6) / ((performance.now() - start) / 1000))
  }
  console.error(`  round ${r + 1}: ${variants.map((v) => `${key(v)} ${fmt(samples.get(key(v))![r]!)}/s`).join(', ')}${foreign[r] === undefined ? '' : `; other processes ${foreign[r]!.toFixed(2)} CPU`}`)
}
// The last result of each variant is still the expected success.
for (const v of variants) v.accept(v.sync ? v.op() : await v.op())
const introspectionLine = introspectionReport()
await closeServer()

console.log(`\n## JWT and OAuth: engine decisions per second (issue 4), memory stores, audit on\n`)
console.log(`Command: \`node --import tsx bench/jwt.ts${process.argv.slice(2).map((a) => ` ${a}`).join('')}\``)
console.log(`Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs; ${rounds} interleaved rounds x ${seconds}s after ${warmupSeconds}s warm-up per variant, all groups' variants in one rotation.`)
console.log(
  `Machine: load average ${loadBefore} before, ${loadAverage()} after` +
    (foreign.length ? `; other processes used ${median(foreign).toFixed(2)} CPU (median of rounds, max ${Math.max(...foreign).toFixed(2)}) while this ran.` : '.'),
)
for (const group of selected) {
  const { title, baseline, target, against } = groups[group]
  const members = variants.filter((v) => v.group === group)
  const base = samples.get(`${group}/${baseline}`)!
  const baseMedian = median(base)
  console.log(`\n### ${group}: ${title}\n`)
  console.log(`| variant | what | median decisions/s | min | max | median / ${baseline} median | median of per-round ratios | target (>= ${pct(target)} of ${against}) |`)
  console.log('|---|---|---:|---:|---:|---:|---:|---|')
  for (const v of members) {
    const xs = samples.get(key(v))!
    const m = median(xs)
    const isBase = v.name === baseline
    // Each round's ratio compares runs seconds apart, so it is less exposed to drift on a shared host.
    const perRound = median(xs.map((x, i) => x / base[i]!))
    const verdict = isBase ? 'baseline' : v.reference ? 'reference' : m / baseMedian >= target ? 'met' : '**not met**'
    console.log(`| ${v.name} | ${v.what} | ${fmt(m)} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${isBase ? '100%' : pct(m / baseMedian)} | ${isBase ? '100%' : pct(perRound)} | ${verdict} |`)
  }
  console.log(`\nPer decision (median): ${members.map((v) => `${v.name} ${(1e6 / median(samples.get(key(v))!)).toFixed(2)} µs`).join(', ')}.`)
  for (const note of notes.get(group) ?? []) console.log(`\n${note}`)
  if (group === 'introspection') console.log(`\n${introspectionLine}`)
}

if (sink === Symbol.for('never')) console.log('')
