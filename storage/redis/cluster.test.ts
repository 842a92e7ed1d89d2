/**
 * The store contract on a Redis Cluster (one node holding every slot, its own
 * redis-server): a script or multi-key command whose keys sat in different slots would
 * fail with CROSSSLOT, so this proves the hash tags keep each script's keys together,
 * and that rate-limit consumes of many keys in one turn are not batched into one script.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { storeContract } from '../contract.ts'
import { redisClientOptions } from './client.ts'
import { redisStores } from './stores.ts'
import { freePort, startRedisServer, type Child } from './test-support/processes.ts'
import { deletePrefix, uniquePrefix } from './test-support/redis.ts'

let dir: string
let server: Child | undefined
let node: Redis
let cluster: Cluster

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-cluster-'))
  const port = await freePort()
  server = await startRedisServer(port, ['--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', join(dir, 'nodes.conf')])
  node = new Redis({ port, host: '127.0.0.1' })
  await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  for (let i = 0; !String(await node.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) {
    if (i > 100) throw new Error('cluster did not reach state ok')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  cluster = new Cluster([{ host: '127.0.0.1', port }], { enableAutoPipelining: true, redisOptions: redisClientOptions() })
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve)
    cluster.once('error', reject)
  })
}, 15_000)

afterAll(async () => {
  cluster?.disconnect()
  node?.disconnect()
  await server?.stop('SIGKILL')
  if (dir) await rm(dir, { recursive: true, force: true })
})

storeContract('redis cluster', async () => {
  const prefix = uniquePrefix('cluster')
  return { stores: redisStores({ redis: cluster, prefix, passwordIterations: 1000 }), close: () => deletePrefix(node, prefix) }
})

it('consumes keys of many slots in one turn (one script over them all would fail with CROSSSLOT)', async () => {
  const prefix = uniquePrefix('cluster-rate')
  try {
    const { rateLimit } = redisStores({ redis: cluster, prefix })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => rateLimit.consume(`key-${i}`, 1, 60_000, 0)))
    expect(results.every((r) => r.allowed)).toBe(true)
  } finally {
    await deletePrefix(node, prefix)
  }
})
