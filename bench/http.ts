/**
 * HTTP benchmark: the demo's `GET /rest/api/2/myself` with a valid API token through the
 * Node adapter (withPortcullis + demoRoutes, audit on), against the same handler on bare
 * node:http with a fixed user and no authentication.
 *
 *   node --import tsx bench/http.ts [--rounds=5] [--seconds=5] [--warmup=2] [--connections=10] [--noaudit]
 *   npm run bench:http
 *
 * Each server is its own process (bench/http-server.ts), and so is the load generator
 * (autocannon's CLI). With `taskset` and at least 2 CPUs, servers are pinned to CPU 0 and
 * autocannon to CPU 1. Runs are interleaved (bare, portcullis, bare, ...) after one warm-up
 * of each; both servers get the same request, Authorization header included. Every child
 * process is killed at the end, on error, on SIGINT/SIGTERM, and at a hard time limit.
 * `--noaudit` adds a third server, Portcullis with audit off, to show the audit store's share.
 * Not a test: vitest only collects `*.test.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadAverage, machineBusySeconds } from './machine.ts'

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=', 2)
  return [k!, v ?? 'true'] as const
}))
const rounds = Number(args.get('rounds') ?? 5)
const seconds = Number(args.get('seconds') ?? 5)
const warmupSeconds = Number(args.get('warmup') ?? 2)
const connections = Number(args.get('connections') ?? 10)
const modes: Server['mode'][] = args.has('noaudit') ? ['bare', 'portcullis', 'portcullis-noaudit'] : ['bare', 'portcullis']
const path = '/rest/api/2/myself'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

// ---- processes -----------------------------------------------------------------------------

const children = new Set<ChildProcess>()
function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}
// Hard bound on the whole run: warm-ups, rounds, and a minute of slack for start-up.
const limitMs = ((warmupSeconds + rounds * seconds) * (args.has('noaudit') ? 3 : 2) + 60) * 1000
setTimeout(() => {
  console.error(`bench/http.ts: over the ${limitMs / 1000}s limit, killing children`)
  killAll()
  process.exit(1)
}, limitMs).unref()

const canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
/** argv for a command pinned to one CPU, when pinning is available. */
const pinned = (cpu: number, argv: string[]): string[] => (canPin ? ['taskset', '-c', String(cpu), ...argv] : argv)

interface Server {
  readonly mode: 'bare' | 'portcullis' | 'portcullis-noaudit'
  readonly url: string
  readonly token: string
  /** The server process's CPU time so far, microseconds. */
  readonly cpu: () => Promise<number>
}

function startServer(mode: Server['mode']): Promise<Server> {
  const [command, ...rest] = pinned(0, [process.execPath, '--import', 'tsx', join(here, 'http-server.ts'), mode])
  const child = spawn(command!, rest, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
  children.add(child)
  const waiting: ((line: string) => void)[] = []
  const cpu = () =>
    new Promise<number>((resolve) => {
      waiting.push((line) => resolve((JSON.parse(line) as { cpu: number }).cpu))
      child.stdin!.write('cpu\n')
    })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${mode} server: no port after 30s`)), 30_000)
    child.once('exit', (code) => reject(new Error(`${mode} server exited early (${code})`)))
    // The first line is the port and token; each later line answers a `cpu` request.
    waiting.push((line) => {
      clearTimeout(timer)
      const info = JSON.parse(line) as { port: number; token: string }
      resolve({ mode, url: `http://127.0.0.1:${info.port}${path}`, token: info.token, cpu })
    })
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      let newline: number
      while ((newline = out.indexOf('\n')) !== -1) {
        const line = out.slice(0, newline)
        out = out.slice(newline + 1)
        waiting.shift()?.(line)
      }
    })
  })
}

/**
 * Whether CPUs 0 and 1 really run in parallel: two pinned busy loops for `ms`, each
 * reporting CPU time / wall time (about 1.0 each on two real cores).
 */
async function cpuIndependence(ms: number): Promise<number[]> {
  const code = `const t=performance.now(),c=process.cpuUsage();let x=0;while(performance.now()-t<${ms})for(let i=0;i<1e5;i++)x+=i;const u=process.cpuUsage(c);console.log((u.user+u.system)/1000/(performance.now()-t)+x*0)`
  const one = (cpu: number) =>
    new Promise<number>((resolve, reject) => {
      const [command, ...rest] = pinned(cpu, [process.execPath, '-e', code])
      const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'inherit'] })
      children.add(child)
      let out = ''
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
      child.on('exit', (status) => {
        children.delete(child)
        return status === 0 ? resolve(Number(out)) : reject(new Error(`spin on CPU ${cpu} exited ${status}`))
      })
    })
  return Promise.all([one(0), one(1)])
}

interface Run {
  readonly rps: number
  /** Autocannon's measured duration, seconds. */
  readonly seconds: number
  /** Server CPU time per response, microseconds. */
  readonly cpuPerRequest: number
  /** Server CPU time / wall time over the run: near 1 when the server is the bottleneck. */
  readonly utilisation: number
  /** CPU-seconds per second used by every other process on the machine during the run, if known. */
  readonly foreign: number | undefined
  readonly total: number
  readonly non2xx: number
  readonly errors: number
  readonly mean: number
  readonly p99: number
}

/** One autocannon run in its own process (pinned to CPU 1), with the server's CPU time over it. */
async function measure(server: Server, duration: number): Promise<Run> {
  const before = await server.cpu()
  const busy = machineBusySeconds()
  const self = process.cpuUsage()
  const start = performance.now()
  const run = await load(server.url, server.token, duration)
  const wall = (performance.now() - start) / 1000
  const busyAfter = machineBusySeconds()
  const mine = process.cpuUsage(self)
  const after = await server.cpu()
  const serverSeconds = (after - before) / 1e6
  const foreign =
    busy === undefined || busyAfter === undefined || run.loaderCpu === undefined
      ? undefined
      : Math.max(0, busyAfter - busy - serverSeconds - run.loaderCpu - (mine.user + mine.system) / 1e6) / wall
  // Autocannon's own start-up is outside its `duration`, and the idle server spends ~nothing then.
  return { ...run, cpuPerRequest: (after - before) / run.total, utilisation: serverSeconds / run.seconds, foreign }
}

/** One autocannon run in its own process (pinned to CPU 1), parsed from its JSON output. */
function load(url: string, token: string, duration: number): Promise<Omit<Run, 'cpuPerRequest' | 'utilisation' | 'foreign'> & { loaderCpu: number | undefined }> {
  // Run through `sh` so its `times` reports autocannon's CPU time (children's user and system).
  const [command, ...rest] = pinned(1, [
    'sh', '-c', '"$0" "$@"; s=$?; times >&2; exit $s',
    process.execPath, autocannonCli, '-j', '-n', '-c', String(connections), '-d', String(duration),
    '-H', `authorization=Bearer ${token}`, url,
  ])
  const child = spawn(command!, rest, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), (duration + 30) * 1000)
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      children.delete(child)
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`))
      const r = JSON.parse(out) as {
        requests: { average: number; total: number }
        duration: number
        latency: { average: number; p99: number }
        non2xx: number
        errors: number
        timeouts: number
      }
      const times = [...(err.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
      resolve({ loaderCpu: times.length === 2 ? times[0]! + times[1]! : undefined, rps: r.requests.average, seconds: r.duration, total: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, mean: r.latency.average, p99: r.latency.p99 })
    })
  })
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const pct = (n: number) => `${(n * 100).toFixed(1)}%`

// ---- run -------------------------------------------------------------------------------------

const started = Date.now()
try {
  const servers = await Promise.all(modes.map(startServer))
  const guarded = servers[1]
  // Each server process made its own token (same length); the bare one ignores its token but
  // still receives it, so every server gets a request of the same size.

  // Sanity: all answer 200 with the same JSON; a guarded one refuses a request without a token.
  const bodies: string[] = []
  for (const s of servers) {
    const response = await fetch(s.url, { headers: { authorization: `Bearer ${s.token}` } })
    const body = await response.text()
    if (response.status !== 200) throw new Error(`${s.mode}: expected 200, got ${response.status} ${body}`)
    bodies.push(body.replace(/127\.0\.0\.1:\d+/, 'HOST'))
  }
  if (new Set(bodies).size !== 1) throw new Error(`bodies differ:\n${bodies.join('\n')}`)
  const anonymous = await fetch(guarded!.url)
  await anonymous.arrayBuffer()
  if (anonymous.status !== 401) throw new Error(`portcullis without a token: expected 401, got ${anonymous.status}`)

  console.error(`pinning: ${canPin ? 'servers on CPU 0, autocannon on CPU 1 (taskset)' : 'none (taskset unavailable or < 2 CPUs)'}`)
  const loadBefore = loadAverage()
  console.error(`warm-up ${warmupSeconds}s each, then ${rounds} interleaved rounds of ${seconds}s per server...`)
  for (const s of servers) await load(s.url, s.token, warmupSeconds)
  const independence = canPin ? await cpuIndependence(1000) : []

  const runs = new Map<string, Run[]>(servers.map((s) => [s.mode, []]))
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const run = await measure(s, seconds)
      if (run.non2xx > 0 || run.errors > 0) throw new Error(`${s.mode}: ${run.non2xx} non-2xx responses, ${run.errors} errors`)
      runs.get(s.mode)!.push(run)
    }
    console.error(`  round ${r + 1}: ${servers.map((s) => {
      const x = runs.get(s.mode)![r]!
      return `${s.mode} ${fmt(x.rps)} req/s (${x.cpuPerRequest.toFixed(1)} us CPU/req, CPU use ${pct(x.utilisation)}${x.foreign === undefined ? '' : `, other processes ${x.foreign.toFixed(2)} CPU`})`
    }).join(', ')}`)
  }

  if (canPin) independence.push(...(await cpuIndependence(1000)))
  const bareMedian = median(runs.get('bare')!.map((x) => x.rps))
  const bareCpu = median(runs.get('bare')!.map((x) => x.cpuPerRequest))
  const what = {
    bare: 'node:http + demoRoutes, fixed user, no auth',
    portcullis: 'withPortcullis + demoRoutes, Bearer API token, audit on (memory)',
    'portcullis-noaudit': 'the same, audit off (attribution only)',
  }
  console.log(`\n## HTTP: GET ${path}, valid Bearer API token\n`)
  console.log(`Command: \`node --import tsx bench/http.ts${process.argv.slice(2).map((a) => ` ${a}`).join('')}\``)
  console.log(
    `Node ${process.version}, ${availableParallelism()} CPUs; ${canPin ? 'servers pinned to CPU 0 and autocannon to CPU 1 with taskset' : 'no CPU pinning'}; ` +
      `autocannon ${connections} connections, ${rounds} interleaved runs x ${seconds}s after ${warmupSeconds}s warm-up per server; every response 200.\n`,
  )
  console.log('| server | what | median req/s | min | max | mean / p99 latency (ms) | server CPU per request (us) | server CPU use | req/s vs bare (medians) | median of per-round req/s ratios | CPU-bound share (bare CPU / this CPU) | target (>= 75% of bare) |')
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
  const bareRuns = runs.get('bare')!
  for (const s of servers) {
    const xs = runs.get(s.mode)!
    const rps = xs.map((x) => x.rps)
    const m = median(rps)
    const cpu = median(xs.map((x) => x.cpuPerRequest))
    const ratio = m / bareMedian
    const share = bareCpu / cpu
    const perRound = median(xs.map((x, i) => x.rps / bareRuns[i]!.rps))
    const verdict = (r: number) => (r >= 0.75 ? 'met' : '**not met**')
    const target = s.mode !== 'portcullis' ? '' : `req/s: ${verdict(ratio)}; CPU: ${verdict(share)}`
    console.log(
      `| ${s.mode} | ${what[s.mode]} | ${fmt(m)} | ${fmt(Math.min(...rps))} | ${fmt(Math.max(...rps))} | ` +
        `${median(xs.map((x) => x.mean)).toFixed(2)} / ${median(xs.map((x) => x.p99))} | ${cpu.toFixed(1)} | ${pct(median(xs.map((x) => x.utilisation)))} | ` +
        `${s.mode === 'bare' ? '100%' : pct(ratio)} | ${s.mode === 'bare' ? '100%' : pct(perRound)} | ${s.mode === 'bare' ? '100%' : pct(share)} | ${target} |`,
    )
  }
  const foreign = [...runs.values()].flat().map((x) => x.foreign).filter((x) => x !== undefined)
  console.log(
    `\nMachine: load average ${loadBefore} before, ${loadAverage()} after` +
      (foreign.length
        ? `; processes other than the server, autocannon and this script used ${median(foreign).toFixed(2)} CPU (median of runs, max ${Math.max(...foreign).toFixed(2)}) while it ran.`
        : '.'),
  )
  // Rounds where the rest of the machine stayed quiet on both sides, if the load is known.
  const quiet = bareRuns.flatMap((b, i) => {
    const g = runs.get('portcullis')![i]!
    return b.foreign !== undefined && g.foreign !== undefined && b.foreign < 0.25 && g.foreign < 0.25 ? [g.rps / b.rps] : []
  })
  if (foreign.length) {
    console.log(
      quiet.length
        ? `Quiet rounds (other processes < 0.25 CPU during both runs): ${quiet.length} of ${rounds}; portcullis / bare per quiet round: ${quiet.map(pct).join(', ')} (median ${pct(median(quiet))}).`
        : `No round was quiet (other processes >= 0.25 CPU in every round): the figures above carry that load.`,
    )
  }
  if (independence.length) {
    const shared = independence.some((x) => x < 0.8)
    console.log(
      `CPU check (before and after the rounds): two busy loops pinned to CPU 0 and CPU 1 at once got ${independence.map((x) => x.toFixed(2)).join(', ')} CPU-seconds per second` +
        (shared
          ? ': the two CPUs did not both run at full speed (other load, or vCPUs sharing a host core), so autocannon can take CPU from the server despite pinning and req/s understates both servers (bare more, as its load generator works harder). The CPU-bound share (server CPU per request) is then the better estimate of the ratio on a dedicated core; a guest clock may still count stolen time, so treat both with care.'
          : ': the CPUs are independent; req/s ratio and CPU-bound share should agree.'),
    )
  }
  console.log(`\nTotal wall time ${((Date.now() - started) / 1000).toFixed(0)}s.`)
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  killAll()
}
