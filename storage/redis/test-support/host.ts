/**
 * A host process for the cross-instance test: a Node http server behind Portcullis with
 * rate limiting on and a lockout after 4 failed passwords (the test, a trusted proxy on
 * loopback, names each client in X-Forwarded-For), using the Redis stores of `PORTCULLIS_REDIS_PREFIX`. Prints its
 * port as one JSON line on stdout, then serves until SIGTERM.
 *
 * Run with `node --import tsx storage/redis/test-support/host.ts`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { withPortcullis } from '../../../adapters/node.ts'
import { createPortcullis } from '../../../core/index.ts'
import { redisClientOptions } from '../client.ts'
import { redisStores } from '../stores.ts'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new TypeError(`${name} is not set`)
  return value
}

const redis = new Redis(env('PORTCULLIS_REDIS_URL'), redisClientOptions())
const stores = redisStores({ redis, prefix: env('PORTCULLIS_REDIS_PREFIX'), passwordIterations: 1000 })
const portcullis = createPortcullis({
  config: { rateLimit: { enabled: true, limit: Number(env('PORTCULLIS_RATE_LIMIT')), windowSeconds: 60 }, passwordLockout: { maxFailures: 4 }, network: { trustedProxies: ['127.0.0.1'] } },
  stores,
})
const server = createServer(
  withPortcullis(portcullis, (_req, res, auth) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`${process.pid} ${auth?.user.username ?? '-'}`)
  }),
)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`)
})
process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void redis.quit().finally(() => process.exit(0))
})
