import type { TokenRecord, TokenStore } from '../types.ts'
import type { SqliteConnection, SqliteRow } from './driver.ts'
import type { Transaction } from './transaction.ts'

const columns = 'id, hash, owner, name, created_at, expires_at, created_by'

function toRecord(row: SqliteRow): TokenRecord {
  return Object.freeze({
    id: row.id as string,
    hash: row.hash as string,
    owner: row.owner as string,
    name: row.name as string,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdBy: row.created_by as string,
  })
}

/**
 * API tokens in SQLite, one row per token. Synchronous, so the engine reads it without a
 * cache in front. The per-owner limit check and the insert are one `BEGIN IMMEDIATE`
 * transaction: several processes sharing the file cannot exceed the limit together.
 *
 * @example
 * ```ts
 * const { tokens } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * tokens.listByOwner('alice')
 * ```
 */
export class SqliteTokenStore implements TokenStore {
  readonly #transaction: Transaction
  readonly #exists
  readonly #count
  readonly #insert
  readonly #byHash
  readonly #byId
  readonly #byOwner
  readonly #delete
  readonly #deleteExpired
  readonly #deleteExpiredOf

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#transaction = transaction
    this.#exists = db.prepare('SELECT 1 AS found FROM tokens WHERE id = ? OR hash = ?')
    this.#count = db.prepare('SELECT count(*) AS n FROM tokens WHERE owner = ?')
    this.#insert = db.prepare(`INSERT INTO tokens (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    this.#byHash = db.prepare(`SELECT ${columns} FROM tokens WHERE hash = ?`)
    this.#byId = db.prepare(`SELECT ${columns} FROM tokens WHERE id = ?`)
    this.#byOwner = db.prepare(`SELECT ${columns} FROM tokens WHERE owner = ? ORDER BY created_at, rowid`)
    this.#delete = db.prepare('DELETE FROM tokens WHERE id = ?')
    this.#deleteExpired = db.prepare(`DELETE FROM tokens WHERE expires_at <= ? RETURNING ${columns}`)
    this.#deleteExpiredOf = db.prepare(`DELETE FROM tokens WHERE expires_at <= ? AND owner = ? RETURNING ${columns}`)
  }

  insert(record: TokenRecord, maxPerUser: number): 'inserted' | 'limit-reached' {
    return this.#transaction(() => {
      if (this.#exists.get(record.id, record.hash)) throw new TypeError('insert: a token with this id or hash already exists')
      if (Number(this.#count.get(record.owner)!.n) >= maxPerUser) return 'limit-reached'
      this.#insert.run(record.id, record.hash, record.owner, record.name, record.createdAt, record.expiresAt, record.createdBy)
      return 'inserted'
    })
  }

  findByHash(hash: string): TokenRecord | undefined {
    const row = this.#byHash.get(hash)
    return row && toRecord(row)
  }

  findById(id: string): TokenRecord | undefined {
    const row = this.#byId.get(id)
    return row && toRecord(row)
  }

  listByOwner(owner: string): TokenRecord[] {
    return this.#byOwner.all(owner).map(toRecord)
  }

  delete(id: string): boolean {
    return Number(this.#delete.run(id).changes) > 0
  }

  deleteExpired(expiredBefore: number, owner?: string): TokenRecord[] {
    const rows = owner === undefined ? this.#deleteExpired.all(expiredBefore) : this.#deleteExpiredOf.all(expiredBefore, owner)
    return rows.map(toRecord).sort((a, b) => a.createdAt - b.createdAt)
  }
}
