/**
 * The processes of the HTTP benchmark: server processes (bench/http-server.ts under Node or
 * Deno, pinned to CPU 0), autocannon runs (its CLI, pinned to CPU 1), the CPU-independence
 * check; every child tracked so that it can be killed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { machineBusySeconds } from '../machine.ts'
import { denoModules, type ServerModule } from '../servers/modules.ts'

/** A server process, listening. */
export interface ServerProcess {
  readonly url: string
  /** The Authorization header value the server expects; `null` when it authenticates nothing. */
  readonly authorization: string | null
  /** The server process's CPU time so far, microseconds. */
  readonly cpu: () => Promise<number>
  /** Closes its stdin (it closes its server and exits), then kills it if it is still there after 2 s. */
  readonly stop: () => Promise<void>
}

export interface Run {
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

type LoadRun = Omit<Run, 'cpuPerRequest' | 'utilisation' | 'foreign'> & { loaderCpu: number | undefined }

/** A measured server: where to send the load, and with which Authorization header. */
export interface LoadTarget {
  readonly url: string
  readonly authorization: string
  readonly cpu: () => Promise<number>
}

export class Processes {
  readonly #children = new Set<ChildProcess>()
  readonly #root: string
  readonly #connections: number
  readonly #autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  /** Whether servers and autocannon run pinned to CPUs 0 and 1 (taskset and at least 2 CPUs). */
  readonly canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0

  constructor(root: string, connections: number) {
    this.#root = root
    this.#connections = connections
  }

  /** SIGKILLs every child still running, with whatever it started (its process group). */
  killAll(): void {
    for (const child of this.#children) kill(child)
  }

  /** argv for a command pinned to one CPU, when pinning is available. */
  #pinned(cpu: number, argv: string[]): string[] {
    return this.canPin ? ['taskset', '-c', String(cpu), ...argv] : argv
  }

  #spawn(argv: string[], stdio: ('pipe' | 'ignore' | 'inherit')[], env?: NodeJS.ProcessEnv): ChildProcess {
    const [command, ...rest] = argv
    // Each child leads its own process group, so that killing it also kills what it started
    // (autocannon under `sh`).
    const child = spawn(command!, rest, { cwd: this.#root, stdio, detached: true, ...(env && { env }) })
    this.#children.add(child)
    child.once('exit', () => this.#children.delete(child))
    return child
  }

  /**
   * Starts `bench/http-server.ts <module> <variant>` pinned to CPU 0: under Node (tsx), or
   * under the deno binary for Deno modules (`--no-check --config deno.json`, as `npm run
   * test:deno` runs the sources). `setup` reaches it as `PORTCULLIS_BENCH_SETUP`.
   */
  startServer(module: ServerModule, variant: string, path: string, setup: unknown): Promise<ServerProcess> {
    const script = join(this.#root, 'bench', 'http-server.ts')
    const runtime = denoModules.has(module)
      ? [join(this.#root, 'node_modules', '.bin', 'deno'), 'run', '--no-check', '--quiet', '--config', join(this.#root, 'deno.json'), '--allow-net=127.0.0.1', '--allow-env', '--allow-read', script]
      : [process.execPath, '--import', 'tsx', script]
    const name = `${module} ${variant}`
    const child = this.#spawn(this.#pinned(0, [...runtime, module, variant]), ['pipe', 'pipe', 'inherit'], { ...process.env, PORTCULLIS_BENCH_SETUP: JSON.stringify(setup) })
    const waiting: ((line: string) => void)[] = []
    const cpu = () =>
      new Promise<number>((resolve) => {
        waiting.push((line) => resolve((JSON.parse(line) as { cpu: number }).cpu))
        child.stdin!.write('cpu\n')
      })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.stdin!.end()
      const timer = setTimeout(() => kill(child), 2000)
      await exited
      clearTimeout(timer)
    }
    return new Promise((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`${name} server: no port after 30s`)), 30_000)
      child.once('exit', (code) => reject(new Error(`${name} server exited early (${code})`)))
      // The first line is the port and Authorization header; each later line answers a `cpu` request.
      waiting.push((line) => {
        clearTimeout(timer)
        const info = JSON.parse(line) as { port: number; authorization: string | null }
        resolve({ url: `http://127.0.0.1:${info.port}${path}`, authorization: info.authorization, cpu, stop })
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
  cpuIndependence(ms: number): Promise<number[]> {
    const code = `const t=performance.now(),c=process.cpuUsage();let x=0;while(performance.now()-t<${ms})for(let i=0;i<1e5;i++)x+=i;const u=process.cpuUsage(c);console.log((u.user+u.system)/1000/(performance.now()-t)+x*0)`
    const one = (cpu: number) =>
      new Promise<number>((resolve, reject) => {
        const child = this.#spawn(this.#pinned(cpu, [process.execPath, '-e', code]), ['ignore', 'pipe', 'inherit'])
        let out = ''
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
        child.on('exit', (status) => (status === 0 ? resolve(Number(out)) : reject(new Error(`spin on CPU ${cpu} exited ${status}`))))
      })
    return Promise.all([one(0), one(1)])
  }

  /** One autocannon run (pinned to CPU 1), with the server's CPU time over it. */
  async measure(target: LoadTarget, duration: number): Promise<Run> {
    const before = await target.cpu()
    const busy = machineBusySeconds()
    const self = process.cpuUsage()
    const start = performance.now()
    const run = await this.load(target, duration)
    const wall = (performance.now() - start) / 1000
    const busyAfter = machineBusySeconds()
    const mine = process.cpuUsage(self)
    const after = await target.cpu()
    const serverSeconds = (after - before) / 1e6
    const foreign =
      busy === undefined || busyAfter === undefined || run.loaderCpu === undefined
        ? undefined
        : Math.max(0, busyAfter - busy - serverSeconds - run.loaderCpu - (mine.user + mine.system) / 1e6) / wall
    // Autocannon's own start-up is outside its `duration`, and the idle server spends ~nothing then.
    return { ...run, cpuPerRequest: (after - before) / run.total, utilisation: serverSeconds / run.seconds, foreign }
  }

  /** One autocannon run in its own process (pinned to CPU 1), parsed from its JSON output. */
  load(target: LoadTarget, duration: number): Promise<LoadRun> {
    // Run through `sh` so its `times` reports autocannon's CPU time (children's user and system).
    const child = this.#spawn(
      this.#pinned(1, [
        'sh', '-c', '"$0" "$@"; s=$?; times >&2; exit $s',
        process.execPath, this.#autocannon, '-j', '-n', '-c', String(this.#connections), '-d', String(duration),
        '-H', `authorization=${target.authorization}`, target.url,
      ]),
      ['ignore', 'pipe', 'pipe'],
    )
    return new Promise((resolve, reject) => {
      let out = ''
      let err = ''
      const timer = setTimeout(() => kill(child), (duration + 30) * 1000)
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
      child.on('exit', (code) => {
        clearTimeout(timer)
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
}

/** SIGKILLs a child's process group (the child too, should the group be gone already). */
function kill(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}
