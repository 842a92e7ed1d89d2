import { Cluster, Redis } from 'ioredis'
import { createPortcullis } from 'portcullis'
import { redisClientOptions, redisStores } from 'portcullis/storage/redis'

// Fail fast while Redis is unreachable: each command is bounded (500 ms by default),
// below the engine's stores.timeoutMs (1000 ms), so the client gives up first.
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', redisClientOptions({ commandTimeoutMs: 500 }))

// Every instance of the service uses the same prefix: they share tokens, users,
// rate-limit counters and the audit log.
const stores = redisStores({ redis, prefix: 'myapp:auth' })

const portcullis = createPortcullis({
  config: {
    rateLimit: { enabled: true, limit: 600, windowSeconds: 60 }, // one budget across every instance
    stores: { timeoutMs: 1000, cacheSeconds: 5 }, // a revocation reaches other instances within 5 s
  },
  stores,
})

// On Redis Cluster, the same stores over a Cluster client (keys are hash-tagged for it):
export const onCluster = () =>
  redisStores({
    redis: new Cluster([{ host: 'redis-1.internal', port: 6379 }], { enableAutoPipelining: true, redisOptions: redisClientOptions() }),
    prefix: 'myapp:auth',
  })

process.once('SIGTERM', () => void redis.quit())
export { portcullis }
