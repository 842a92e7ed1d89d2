/**
 * What the parent makes for the server processes, and removes afterwards: one RS256 key
 * pair and token for every JWT server, the `stores` suite's SQLite file and Redis prefix.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { redisClientOptions } from '../../storage/redis/index.ts'
import type { BenchSetup } from '../servers/shared.ts'

export const jwtIssuer = 'https://issuer.bench.example'
export const redisUrl = 'redis://127.0.0.1:6379'

/**
 * A fresh RSA 2048 key pair, and one RS256 token for alice (an existing user) from
 * {@link jwtIssuer}, issued now and expiring in an hour. Every JWT server of the run
 * verifies this token with this public key.
 */
export async function jwtFixture(): Promise<BenchSetup['jwt']> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 })
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setSubject('alice')
    .setIssuer(jwtIssuer)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
  return { issuer: jwtIssuer, publicKey: await exportSPKI(publicKey), token }
}

/** A temporary directory for a SQLite file; `remove` deletes it with everything in it. */
export function sqliteFixture(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-http-'))
  return { path: join(dir, 'bench.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A fresh Redis key prefix; `remove` deletes every key under it. */
export function redisFixture(): { url: string; prefix: string; remove(): Promise<void> } {
  const prefix = `bench-http-${process.pid}-${randomBytes(4).toString('hex')}`
  return {
    url: redisUrl,
    prefix,
    async remove() {
      const redis = new Redis(redisUrl, { ...redisClientOptions(), lazyConnect: true })
      redis.on('error', () => {}) // connect() and each command reject with it
      try {
        await redis.connect()
        let cursor = '0'
        do {
          // Keys are `{<prefix>:…}:…` and `<prefix>:rate:…` (storage/redis/keys.ts).
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}:*`, 'COUNT', 1000)
          cursor = next
          if (keys.length) await redis.unlink(...keys)
        } while (cursor !== '0')
      } finally {
        redis.disconnect()
      }
    },
  }
}
