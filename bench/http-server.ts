/**
 * A server process for bench/http.ts (not meant to be run by hand):
 *
 *   node --import tsx bench/http-server.ts bare        demoRoutes on bare node:http, fixed user, no auth
 *   node --import tsx bench/http-server.ts portcullis  demoRoutes behind withPortcullis (audit on, memory stores)
 *   node --import tsx bench/http-server.ts portcullis-noaudit  the same with audit off (attribution only)
 *
 * Listens on 127.0.0.1 on a free port and prints one JSON line: `{"mode","port","token"}`;
 * then answers each `cpu` line on stdin with `{"cpu"}`, its CPU time so far in microseconds.
 * Exits on SIGTERM/SIGINT or when its stdin closes, so it never outlives the benchmark.
 */
import { createServer, type RequestListener } from 'node:http'
import { withPortcullis } from '../adapters/node.ts'
import { createPortcullis, loadConfig } from '../core/index.ts'
import { demoRoutes, demoUsers } from '../demo/app.ts'
import { memoryStores } from '../storage/memory/index.ts'

const mode = process.argv[2]
if (mode !== 'bare' && mode !== 'portcullis' && mode !== 'portcullis-noaudit') {
  console.error('usage: http-server.ts bare|portcullis|portcullis-noaudit')
  process.exit(2)
}

// The demo's users, without passwords: the benchmark authenticates with an API token, and
// skipping PBKDF2 at 600k iterations keeps start-up short.
const stores = memoryStores()
for (const { password: _password, ...user } of demoUsers) await stores.users.add(user)
const alice = stores.users.find('alice')!
// Defaults, as `npm start` without a config file: audit on, API tokens on.
const portcullis = createPortcullis({ config: loadConfig(mode === 'portcullis-noaudit' ? { audit: { enabled: false } } : {}), stores })
const created = await portcullis.tokens().create(alice, { name: 'bench', validity: 'never' })
if (!created.ok) throw new Error(`token create failed: ${created.error}`)

const listener: RequestListener =
  mode === 'bare'
    ? (req, res) => demoRoutes(req, res, alice)
    : withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user))

const server = createServer(listener)
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('unexpected server address')
  process.stdout.write(`${JSON.stringify({ mode, port: address.port, token: created.value.token })}\n`)
})

const stop = () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('close', stop)
process.stdin.on('end', stop)
// `cpu` on stdin: answer with this process's CPU time so far (microseconds), one JSON line.
let pending = ''
process.stdin.on('data', (chunk: Buffer) => {
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
