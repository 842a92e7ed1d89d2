import type { TokenRecord, TokenStore } from '../types.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { deleteTokenScript } from './scripts/delete-token.ts'
import { insertTokenScript } from './scripts/insert-token.ts'
import { runScript } from './scripts/run.ts'

const batch = 500

/**
 * API tokens in Redis: each record is a hash keyed by the token's SHA-256 (so the hot
 * lookup, {@link RedisTokenStore.findByHash}, is one HGETALL), with an id index, a
 * per-owner set and an expiry index. Every write goes through a Lua script that touches
 * the record and all its index entries at once: a token is never half written.
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis
    this.#keys = keys
  }

  async insert(record: TokenRecord, maxPerUser: number): Promise<'inserted' | 'limit-reached'> {
    const k = this.#keys
    try {
      const result = await runScript(
        this.#redis,
        insertTokenScript,
        [k.tokenByHash(record.hash), k.tokenById(record.id), k.tokensOfOwner(record.owner), k.tokenExpiry],
        [maxPerUser, record.hash, record.id, record.owner, record.name, record.createdAt, record.expiresAt ?? '', record.createdBy],
      )
      return result === 1 ? 'inserted' : 'limit-reached'
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('PORTCULLIS_DUPLICATE')) {
        throw new TypeError('insert: a token with this id or hash already exists')
      }
      throw error
    }
  }

  async findByHash(hash: string): Promise<TokenRecord | undefined> {
    return decodeToken(await this.#redis.hgetall(this.#keys.tokenByHash(hash)))
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const hash = await this.#redis.get(this.#keys.tokenById(id))
    if (hash === null) return undefined
    const record = await this.findByHash(hash)
    return record?.id === id ? record : undefined
  }

  async listByOwner(owner: string): Promise<readonly TokenRecord[]> {
    const hashes = await this.#redis.zrange(this.#keys.tokensOfOwner(owner), 0, -1)
    const records = await this.#read(hashes)
    return records.filter((r) => r.owner === owner)
  }

  async delete(id: string): Promise<boolean> {
    const record = await this.findById(id)
    return record !== undefined && (await this.#delete(record))
  }

  async deleteExpired(expiredBefore: number, owner?: string): Promise<readonly TokenRecord[]> {
    if (owner !== undefined) {
      const expired = (await this.listByOwner(owner)).filter((r) => r.expiresAt !== null && r.expiresAt <= expiredBefore)
      return this.#deleteAll(expired)
    }
    const deleted: TokenRecord[] = []
    for (;;) {
      const hashes = await this.#redis.zrange(this.#keys.tokenExpiry, '-inf', expiredBefore, 'BYSCORE', 'LIMIT', 0, batch)
      const records = await this.#read(hashes)
      const gone = await this.#deleteAll(records)
      deleted.push(...gone)
      // A deleted token leaves the expiry index, so the next batch starts at the front again.
      if (hashes.length < batch || gone.length === 0) return deleted
    }
  }

  async #read(hashes: readonly string[]): Promise<TokenRecord[]> {
    const found = await Promise.all(hashes.map((hash) => this.findByHash(hash)))
    return found.filter((r) => r !== undefined)
  }

  async #deleteAll(records: readonly TokenRecord[]): Promise<TokenRecord[]> {
    const done = await Promise.all(records.map((r) => this.#delete(r)))
    return records.filter((_, i) => done[i])
  }

  async #delete(record: TokenRecord): Promise<boolean> {
    const k = this.#keys
    const keys = [k.tokenByHash(record.hash), k.tokenById(record.id), k.tokensOfOwner(record.owner), k.tokenExpiry]
    return (await runScript(this.#redis, deleteTokenScript, keys, [record.hash, record.id])) === 1
  }
}

function decodeToken(fields: Record<string, string>): TokenRecord | undefined {
  if (fields.hash === undefined || fields.id === undefined) return undefined
  return Object.freeze({
    id: fields.id,
    hash: fields.hash,
    owner: fields.owner ?? '',
    name: fields.name ?? '',
    createdAt: Number(fields.createdAt),
    expiresAt: fields.expiresAt ? Number(fields.expiresAt) : null,
    createdBy: fields.createdBy ?? '',
  })
}
