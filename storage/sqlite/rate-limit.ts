import type { RateLimitResult, RateLimitStore } from '../types.ts'
import type { SqliteConnection } from './driver.ts'
import type { Transaction } from './transaction.ts'

const sweepEvery = 4096

/**
 * A sliding window log in SQLite: one row per accepted request, numbered per key in
 * arrival order (`seq`). Expiry removes a prefix and an accepted request appends at the
 * end, so a key's rows are always a run of consecutive numbers: the count is `last -
 * first + 1`, and the request whose departure frees a slot is found by its number. Every
 * step is an index lookup, whatever the limit.
 *
 * `consume` expires, counts and records in one `BEGIN IMMEDIATE` transaction, so parallel
 * requests, and processes sharing the file, never exceed the limit together. Keys idle
 * for a whole window are swept every few thousand calls.
 *
 * @example
 * ```ts
 * const { rateLimit } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * rateLimit.consume('token:abc', 100, 60_000, Date.now()) // { allowed: true, remaining: 99, resetMs: 60000 }
 * ```
 */
export class SqliteRateLimitStore implements RateLimitStore {
  readonly #transaction: Transaction
  readonly #expire
  readonly #ends
  readonly #timeOf
  readonly #record
  readonly #sweep
  #calls = 0

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#transaction = transaction
    // Removes the expired prefix: everything before the oldest request still in the window.
    this.#expire = db.prepare(`
      DELETE FROM rate_limit_log WHERE key = ? AND seq < coalesce(
        (SELECT seq FROM rate_limit_log WHERE key = ? AND at > ? ORDER BY seq LIMIT 1), 9223372036854775807)`)
    this.#ends = db.prepare(`
      SELECT
        (SELECT seq FROM rate_limit_log WHERE key = ? ORDER BY seq LIMIT 1) AS first,
        (SELECT at FROM rate_limit_log WHERE key = ? ORDER BY seq LIMIT 1) AS oldest,
        (SELECT seq FROM rate_limit_log WHERE key = ? ORDER BY seq DESC LIMIT 1) AS last`)
    this.#timeOf = db.prepare('SELECT at FROM rate_limit_log WHERE key = ? AND seq = ?')
    this.#record = db.prepare('INSERT INTO rate_limit_log (key, seq, at) VALUES (?, ?, ?)')
    this.#sweep = db.prepare('DELETE FROM rate_limit_log WHERE key IN (SELECT key FROM rate_limit_log GROUP BY key HAVING max(at) <= ?)')
  }

  consume(key: string, limit: number, windowMs: number, now: number): RateLimitResult {
    const since = now - windowMs
    const sweep = ++this.#calls % sweepEvery === 0
    return this.#transaction(() => {
      if (sweep) this.#sweep.run(since)
      this.#expire.run(key, key, since)
      const ends = this.#ends.get(key, key, key)!
      const first = ends.first === null ? 0 : Number(ends.first)
      const count = ends.last === null ? 0 : Number(ends.last) - first + 1
      if (count >= limit) {
        const freedBy = this.#timeOf.get(key, first + count - limit)
        return { allowed: false, remaining: 0, resetMs: freedBy ? Number(freedBy.at) + windowMs - now : windowMs }
      }
      this.#record.run(key, first + count, now)
      const oldest = ends.oldest === null ? now : Number(ends.oldest)
      return { allowed: true, remaining: limit - count - 1, resetMs: oldest + windowMs - now }
    })
  }
}
