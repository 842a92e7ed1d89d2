import type { TokenRecord, TokenStore } from '../types.ts'

/** An in-memory token store: one process, lost on restart. */
export class MemoryTokenStore implements TokenStore {
  readonly #byId = new Map<string, TokenRecord>()
  readonly #byHash = new Map<string, TokenRecord>()

  insert(record: TokenRecord, maxPerUser: number): 'inserted' | 'limit-reached' {
    if (this.#byId.has(record.id) || this.#byHash.has(record.hash)) throw new TypeError('insert: a token with this id or hash already exists')
    if (this.listByOwner(record.owner).length >= maxPerUser) return 'limit-reached'
    const frozen = Object.freeze({ ...record })
    this.#byId.set(frozen.id, frozen)
    this.#byHash.set(frozen.hash, frozen)
    return 'inserted'
  }

  findByHash(hash: string): TokenRecord | undefined {
    return this.#byHash.get(hash)
  }

  findById(id: string): TokenRecord | undefined {
    return this.#byId.get(id)
  }

  listByOwner(owner: string): TokenRecord[] {
    return [...this.#byId.values()].filter((r) => r.owner === owner).sort((a, b) => a.createdAt - b.createdAt)
  }

  delete(id: string): boolean {
    const record = this.#byId.get(id)
    if (!record) return false
    this.#byId.delete(id)
    this.#byHash.delete(record.hash)
    return true
  }

  deleteExpired(expiredBefore: number, owner?: string): TokenRecord[] {
    const deleted: TokenRecord[] = []
    for (const record of this.#byId.values()) {
      if (record.expiresAt === null || record.expiresAt > expiredBefore) continue
      if (owner !== undefined && record.owner !== owner) continue
      this.delete(record.id)
      deleted.push(record)
    }
    return deleted
  }
}
