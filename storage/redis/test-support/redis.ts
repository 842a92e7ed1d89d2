/**
 * Test helpers for the Redis stores: a connected client against the test server, a
 * unique prefix per use, and removal of everything under a prefix.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { redisClientOptions } from '../client.ts'

/** The shared test server (CI starts it; see the storage issue). */
export const testRedisUrl = process.env.PORTCULLIS_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A fresh key prefix, unique per call. */
export function uniquePrefix(label = 'test'): string {
  return `pcl-${label}-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** A client with the fail-fast options, connected. */
export async function connect(url = testRedisUrl, tuning: Parameters<typeof redisClientOptions>[0] = {}): Promise<Redis> {
  const redis = new Redis(url, { ...redisClientOptions(tuning), lazyConnect: true })
  await redis.connect()
  return redis
}

/** Every key of a prefix (tagged and untagged ones). */
export async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  for (const pattern of [`{${prefix}:*`, `${prefix}:*`]) {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      found.push(...keys)
      cursor = next
    } while (cursor !== '0')
  }
  return found
}

/** Deletes every key of a prefix, one key per command (keys of a cluster node sit in many slots). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  await Promise.all((await keysOf(redis, prefix)).map((key) => redis.unlink(key)))
}

/**
 * Counts the commands `redis` sends from now on, by name, as they go to the connection
 * (after auto-pipelining; no MONITOR needed, so other clients of the server do not count).
 */
export function countCommands(redis: Redis): Record<string, number> {
  const sent: Record<string, number> = {}
  const sendCommand = redis.sendCommand.bind(redis)
  redis.sendCommand = (command, stream) => {
    sent[command.name] = (sent[command.name] ?? 0) + 1
    return sendCommand(command, stream)
  }
  return sent
}
