/**
 * HTTP benchmark: `GET /rest/api/2/myself` (the demo's Jira-like JSON for alice) through
 * Portcullis's adapters and through peer libraries, each against its baseline in the same
 * run. `--suite` picks the group of servers measured side by side (default `node`):
 *
 *   node    bare node:http + demoRoutes (fixed user, no auth) vs withPortcullis + demoRoutes
 *           with a valid API token, audit on, memory stores; `--noaudit` adds the same with
 *           audit off (attribution only). Target: >= 75% of bare.
 *   jwt     (issue 4) bare node:http; withPortcullis with one RS256 JWT on every request,
 *           verified-token cache on (default jwt.cacheSeconds); fastify + @fastify/jwt
 *           (`verify: { cache: true }`); bare fastify for reference. Targets: Portcullis
 *           >= 50% of bare node:http, and ahead of @fastify/jwt.
 *   hapi    (issue 6) bare Hapi 21; the Portcullis plugin with an API token; the same with
 *           the RS256 JWT at first sight (jwt.cacheSeconds 0: every request verifies);
 *           hapi-auth-jwt2. Targets: API token >= 80% of bare Hapi; JWT >= 3x hapi-auth-jwt2.
 *   koa     (issue 6) the same four on Koa 3 (portcullisKoa, koa-jwt). Same targets.
 *   deno    (issue 6) bare Deno.serve vs the Deno adapter with an API token and with the
 *           RS256 JWT at first sight, under the deno binary (memory stores). Target: API
 *           token >= 80% of bare Deno.serve.
 *   stores  (issue 5) bare node:http vs the demo behind the Node adapter on memory, SQLite
 *           (better-sqlite3, a temporary file) and Redis (127.0.0.1:6379, a fresh key
 *           prefix), rate limit and audit on, valid API token; each vs bare and vs memory.
 *   all     every suite in turn.
 *
 *   node --import tsx bench/http.ts [--suite=node|jwt|hapi|koa|deno|stores|all] [--rounds=5] [--seconds=5] [--warmup=2] [--connections=10] [--noaudit]
 *   npm run bench:http -- --suite=jwt
 *
 * Each server is its own process (bench/http-server.ts, servers in bench/servers/), and so
 * is the load generator (autocannon's CLI). With `taskset` and at least 2 CPUs, servers are
 * pinned to CPU 0 and autocannon to CPU 1. Before measuring, every server must answer 200
 * with the same JSON body, and every authenticating one must refuse a request without
 * credentials (401) and one with a forged credential. Runs are interleaved (bare, the
 * others, bare, ...) after one warm-up of each; each server gets its own Authorization
 * header, and those that authenticate nothing get the header of the suite's main Portcullis
 * server, so requests are the same size. All suites' JWT servers verify the same RS256
 * token (alice, an hour's validity) with the same RSA 2048 key, made at start. Each table
 * gives medians, the ratio to the suite's baseline (`bare`) by req/s and by server CPU per
 * request, and each target's verdict. Every child process is killed at the end of its
 * suite, on error, on SIGINT/SIGTERM, and at a hard time limit; the SQLite file and the
 * Redis keys are deleted. Not a test: vitest only collects `*.test.ts`.
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jwtFixture, redisFixture, sqliteFixture } from './http/fixtures.ts'
import { Processes, type LoadTarget, type Run, type ServerProcess } from './http/processes.ts'
import { report } from './http/report.ts'
import { fmt, pct } from './stats.ts'
import { suiteNames, suites, type SuiteName } from './http/suites.ts'
import { flags } from './flags.ts'
import { loadAverage } from './machine.ts'
import { denoModules } from './servers/modules.ts'
import { benchPath, type BenchSetup } from './servers/shared.ts'

const args = flags()
const rounds = Number(args.get('rounds') ?? 5)
const seconds = Number(args.get('seconds') ?? 5)
const warmupSeconds = Number(args.get('warmup') ?? 2)
const connections = Number(args.get('connections') ?? 10)
const suiteArg = args.get('suite') ?? 'node'
if (suiteArg !== 'all' && !(suiteNames as readonly string[]).includes(suiteArg)) {
  console.error(`--suite: expected one of ${suiteNames.join(', ')} or all, got ${suiteArg}`)
  process.exit(2)
}
const chosen: readonly SuiteName[] = suiteArg === 'all' ? suiteNames : [suiteArg as SuiteName]
const allSuites = suites({ noaudit: args.has('noaudit') })
const command = `node --import tsx bench/http.ts${process.argv.slice(2).map((a) => ` ${a}`).join('')}`

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const processes = new Processes(root, connections)
/** Removes what the running suite made (SQLite file, Redis keys); run at its end, on error, on a signal. */
const cleanups = new Set<() => void | Promise<void>>()
async function cleanUp(): Promise<void> {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup)
    try {
      await cleanup()
    } catch (error) {
      console.error('cleanup failed:', error)
    }
  }
}
/** Kills every child, cleans up (at most 5 s), exits. */
function abort(code: number): void {
  processes.killAll()
  const timer = setTimeout(() => process.exit(code), 5000)
  void cleanUp().finally(() => {
    clearTimeout(timer)
    process.exit(code)
  })
}
process.on('exit', () => processes.killAll())
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => abort(130))

// Hard bound on the whole run: per suite, warm-ups and rounds, two CPU checks, and slack for
// start-up and each autocannon process's own start.
const limitMs = chosen.reduce((sum, name) => {
  const n = allSuites[name].servers.length
  return sum + ((warmupSeconds + rounds * seconds) * n + 2 * rounds * n + 2 + 60) * 1000
}, 0)
setTimeout(() => {
  console.error(`bench/http.ts: over the ${limitMs / 1000}s limit, killing children`)
  abort(1)
}, limitMs).unref()

const denoVersion = () => /deno (\S+)/.exec(spawnSync(join(root, 'node_modules', '.bin', 'deno'), ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown'

/** A credential with one character of its last part changed: a signature or checksum that no longer matches. */
const forged = (authorization: string) => {
  const i = authorization.length - 10
  return `${authorization.slice(0, i)}${authorization[i] === 'A' ? 'B' : 'A'}${authorization.slice(i + 1)}`
}

/**
 * Every server answers 200 with the same JSON body (its port aside) to the request it will
 * get; every guarded one refuses a request without credentials (401) and one with a forged
 * credential (4xx: Portcullis answers a bad JWT signature 400, as its error catalog says).
 */
async function sanityCheck(name: SuiteName, targets: ReadonlyMap<string, Target>): Promise<void> {
  const bodies: string[] = []
  for (const [id, t] of targets) {
    const response = await fetch(t.url, { headers: { authorization: t.authorization } })
    const body = await response.text()
    if (response.status !== 200) throw new Error(`${id}: expected 200, got ${response.status} ${body}`)
    bodies.push(body.replace(/127\.0\.0\.1:\d+/, 'HOST'))
    if (!t.guarded) continue
    const anonymous = await fetch(t.url)
    await anonymous.arrayBuffer()
    if (anonymous.status !== 401) throw new Error(`${id} without credentials: expected 401, got ${anonymous.status}`)
    const forgery = await fetch(t.url, { headers: { authorization: forged(t.authorization) } })
    await forgery.arrayBuffer()
    if (forgery.status < 400 || forgery.status >= 500) throw new Error(`${id} with a forged credential: expected a 4xx refusal, got ${forgery.status}`)
  }
  if (new Set(bodies).size !== 1) throw new Error(`${name}: bodies differ:\n${bodies.join('\n')}`)
}

/** A server as measured: its URL, the Authorization header it gets, whether it authenticates. */
type Target = LoadTarget & { readonly guarded: boolean }

async function runSuite(name: SuiteName, jwt: BenchSetup['jwt']): Promise<void> {
  const started = Date.now()
  const suite = allSuites[name]
  const sqlite = suite.needs.sqlite ? sqliteFixture() : undefined
  const redis = suite.needs.redis ? redisFixture() : undefined
  for (const fixture of [sqlite, redis]) if (fixture) cleanups.add(fixture.remove)
  const setup: BenchSetup = { jwt, ...(sqlite && { sqlitePath: sqlite.path }), ...(redis && { redis: { url: redis.url, prefix: redis.prefix } }) }
  const running: ServerProcess[] = []
  try {
    console.error(`\n[${name}] starting ${suite.servers.map((s) => s.id).join(', ')}...`)
    const starts = await Promise.allSettled(suite.servers.map((spec) => processes.startServer(spec.module, spec.variant, benchPath, setup)))
    for (const start of starts) if (start.status === 'fulfilled') running.push(start.value)
    const failure = starts.find((start) => start.status === 'rejected')
    if (failure) throw failure.reason
    const byId = new Map(suite.servers.map((spec, i) => [spec.id, running[i]!]))
    const shared = byId.get(suite.headerFrom)?.authorization
    if (!shared) throw new Error(`${name}: ${suite.headerFrom} has no Authorization header to share`)
    const targets = new Map<string, Target>(
      suite.servers.map((spec) => {
        const server = byId.get(spec.id)!
        return [spec.id, { url: server.url, authorization: server.authorization ?? shared, cpu: server.cpu, guarded: server.authorization !== null }]
      }),
    )

    await sanityCheck(name, targets)

    console.error(`[${name}] pinning: ${processes.canPin ? 'servers on CPU 0, autocannon on CPU 1 (taskset)' : 'none (taskset unavailable or < 2 CPUs)'}`)
    const loadBefore = loadAverage()
    console.error(`[${name}] warm-up ${warmupSeconds}s each, then ${rounds} interleaved rounds of ${seconds}s per server...`)
    for (const t of targets.values()) await processes.load(t, warmupSeconds)
    const independence = processes.canPin ? await processes.cpuIndependence(1000) : []

    const runs = new Map<string, Run[]>(suite.servers.map((s) => [s.id, []]))
    for (let r = 0; r < rounds; r++) {
      for (const [id, t] of targets) {
        const run = await processes.measure(t, seconds)
        if (run.non2xx > 0 || run.errors > 0) throw new Error(`${id}: ${run.non2xx} non-2xx responses, ${run.errors} errors`)
        runs.get(id)!.push(run)
      }
      console.error(`  round ${r + 1}: ${suite.servers.map(({ id }) => {
        const x = runs.get(id)![r]!
        return `${id} ${fmt(x.rps)} req/s (${x.cpuPerRequest.toFixed(1)} us CPU/req, CPU use ${pct(x.utilisation)}${x.foreign === undefined ? '' : `, other processes ${x.foreign.toFixed(2)} CPU`})`
      }).join(', ')}`)
    }
    if (processes.canPin) independence.push(...(await processes.cpuIndependence(1000)))

    const lines = report({
      suite,
      runs,
      command,
      runtimes: `Node ${process.version}${suite.servers.some((s) => denoModules.has(s.module)) ? ` (harness, autocannon), Deno ${denoVersion()} (servers)` : ''}`,
      cpus: availableParallelism(),
      pinned: processes.canPin,
      connections,
      rounds,
      seconds,
      warmupSeconds,
      loadBefore,
      loadAfter: loadAverage(),
      independence,
    })
    console.log(lines.join('\n'))
    console.log(`\nTotal wall time ${((Date.now() - started) / 1000).toFixed(0)}s.`)
  } finally {
    await Promise.all(running.map((s) => s.stop()))
    await cleanUp()
  }
}

const startedAll = Date.now()
const jwt = await jwtFixture()
const failed: SuiteName[] = []
for (const name of chosen) {
  try {
    await runSuite(name, jwt)
  } catch (error) {
    console.error(`[${name}] failed:`, error)
    failed.push(name)
  }
}
processes.killAll()
if (chosen.length > 1) console.log(`\nAll suites: ${((Date.now() - startedAll) / 1000).toFixed(0)}s${failed.length ? `; failed: ${failed.join(', ')}` : ''}.`)
if (failed.length) process.exitCode = 1
