/**
 * The demo behind the Node adapter on each store (issue 5): memory, SQLite (better-sqlite3)
 * and Redis (ioredis), rate limit and audit on, alice's API token.
 */
import { createServer } from 'node:http'
import { Redis } from 'ioredis'
import { withPortcullis } from '../../adapters/node.ts'
import type { ConfigInput } from '../../core/index.ts'
import { demoRoutes } from '../../demo/app.ts'
import { memoryStores } from '../../storage/memory/index.ts'
import { redisClientOptions, redisStores } from '../../storage/redis/index.ts'
import { betterSqlite3 } from '../../storage/sqlite/better-sqlite3.ts'
import { openSqliteStores } from '../../storage/sqlite/index.ts'
import type { Stores, UserStore } from '../../storage/types.ts'
import { listen } from './node.ts'
import { portcullisOn, type Started, type Variant } from './shared.ts'

/**
 * Rate limit on, with a limit no run reaches (100,000 per second for one token), so every
 * request pays for the store's rate-limit call and still gets its 200; audit on (the default).
 */
const config: ConfigInput = { rateLimit: { enabled: true, limit: 100_000, windowSeconds: 1 } }

async function demoOn(stores: Stores & { readonly users: UserStore }, close: () => Promise<void> | void): Promise<Started> {
  const { portcullis, tokenAuthorization } = await portcullisOn(config, stores)
  return listen(createServer(withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user))), tokenAuthorization, close)
}

export const variants = {
  memory: () => demoOn(memoryStores(), () => {}),
  async sqlite(setup) {
    if (!setup.sqlitePath) throw new Error('sqlite: no sqlitePath in the setup')
    const stores = openSqliteStores({ path: setup.sqlitePath, driver: betterSqlite3 })
    return demoOn(stores, () => stores.close())
  },
  async redis(setup) {
    if (!setup.redis) throw new Error('redis: no redis in the setup')
    const redis = new Redis(setup.redis.url, redisClientOptions())
    return demoOn(redisStores({ redis, prefix: setup.redis.prefix }), async () => void (await redis.quit()))
  },
} satisfies Record<string, Variant>
