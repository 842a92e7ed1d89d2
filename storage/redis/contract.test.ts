import { afterAll, beforeAll } from 'vitest'
import type { Redis } from 'ioredis'
import { storeContract } from '../contract.ts'
import { redisStores } from './stores.ts'
import { connect, deletePrefix, uniquePrefix } from './test-support/redis.ts'

let redis: Redis
beforeAll(async () => {
  redis = await connect()
})
afterAll(async () => {
  await redis.quit()
})

storeContract('redis', async () => {
  const prefix = uniquePrefix('contract')
  return {
    stores: redisStores({ redis, prefix, passwordIterations: 1000 }),
    close: () => deletePrefix(redis, prefix),
  }
})
