/** Child processes for the Redis tests: host instances and private redis-servers. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

/** A running child process that printed its first line. */
export interface Child {
  readonly process: ChildProcess
  /** Stops it: SIGTERM, then SIGKILL after `graceMs`. Resolves once it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function stopper(child: ChildProcess): Child['stop'] {
  return async (signal = 'SIGTERM', graceMs = 3000) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited(child)
    clearTimeout(timer)
  }
}

/** Starts a host instance (test-support/host.ts) and waits for its port. */
export async function startHost(env: Record<string, string>, timeoutMs = 15_000): Promise<Child & { port: number }> {
  const script = fileURLToPath(new URL('./host.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const stop = stopper(child)
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`host did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs)
      let out = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const line = out.split('\n', 2)
        if (line.length < 2) return
        clearTimeout(timer)
        resolve((JSON.parse(line[0]!) as { port: number }).port)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`host exited with ${code}: ${stderr}`))
      })
    })
    return { process: child, port, stop }
  } catch (error) {
    await stop('SIGKILL')
    throw error
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough for a test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Starts `redis-server` in the foreground with `args` and waits until it answers PING. */
export async function startRedisServer(port: number, args: readonly string[], timeoutMs = 5000): Promise<Child> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const stop = stopper(child)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output}`)
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false })
    probe.on('error', () => {})
    try {
      await probe.connect()
      if ((await probe.ping()) === 'PONG') return { process: child, stop }
    } catch {
      // not up yet
    } finally {
      probe.disconnect()
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL')
      throw new Error(`redis-server did not answer within ${timeoutMs} ms: ${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
