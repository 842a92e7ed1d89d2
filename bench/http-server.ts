/**
 * A server process for bench/http.ts (not meant to be run by hand), under Node or Deno:
 *
 *   node --import tsx bench/http-server.ts <module> <variant>
 *   deno run --no-check --quiet --config deno.json --allow-net=127.0.0.1 --allow-env --allow-read bench/http-server.ts deno <variant>
 *
 * `<module>` names a file of bench/servers/ (see bench/servers/modules.ts) and `<variant>`
 * one of its `variants`. The parent's setup (the RS256 public key and token, the SQLite
 * path, the Redis prefix) arrives as JSON in `PORTCULLIS_BENCH_SETUP`.
 *
 * Listens on 127.0.0.1 on a free port and prints one JSON line:
 * `{"module","variant","port","authorization"}`, where `authorization` is the header value
 * the server expects (`null` for a server without authentication); then answers each `cpu`
 * line on stdin with `{"cpu"}`, its CPU time so far in microseconds (`process.cpuUsage()`,
 * which Deno implements too). Exits on SIGTERM/SIGINT or when its stdin closes, so it
 * never outlives the benchmark.
 */
import process from 'node:process'
import { setTimeout } from 'node:timers'
import { serverModules, type ServerModule } from './servers/modules.ts'
import type { BenchSetup, Variant } from './servers/shared.ts'

const [moduleName, variantName] = process.argv.slice(2)
const load = serverModules[moduleName as ServerModule] as (() => Promise<{ variants: Record<string, Variant> }>) | undefined
const variant = load && variantName !== undefined ? (await load()).variants[variantName] : undefined
if (!variant) {
  console.error(`usage: http-server.ts <module> <variant>; modules: ${Object.keys(serverModules).join(', ')}`)
  process.exit(2)
}

const setup = JSON.parse(process.env.PORTCULLIS_BENCH_SETUP ?? 'null') as BenchSetup | null
if (!setup) throw new Error('PORTCULLIS_BENCH_SETUP: missing')
const server = await variant(setup)
process.stdout.write(`${JSON.stringify({ module: moduleName, variant: variantName, port: server.port, authorization: server.authorization })}\n`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(0), 1000).unref()
  server.close().then(() => process.exit(0), () => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('close', stop)
process.stdin.on('end', stop)
// `cpu` on stdin: answer with this process's CPU time so far (microseconds), one JSON line.
let pending = ''
process.stdin.on('data', (chunk: Buffer | string) => {
  pending += chunk.toString()
  let newline: number
  while ((newline = pending.indexOf('\n')) !== -1) {
    const command = pending.slice(0, newline).trim()
    pending = pending.slice(newline + 1)
    if (command === 'cpu') {
      const { user, system } = process.cpuUsage()
      process.stdout.write(`${JSON.stringify({ cpu: user + system })}\n`)
    }
  }
})
