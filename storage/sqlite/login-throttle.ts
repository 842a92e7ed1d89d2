import type { LockoutPolicy, LoginThrottleStore } from '../types.ts'
import type { SqliteConnection } from './driver.ts'
import type { Transaction } from './transaction.ts'

const sweepEvery = 4096

/**
 * The login throttle in SQLite (`rateLimit: 'shared'`), so a lockout holds for every
 * process sharing the file: one row per failure still in its window, and one per lock.
 * A key holds fewer than `maxFailures` rows, as reaching it turns them into a lock, so
 * counting them is a short index range.
 *
 * `fail` expires, records, counts and locks in one `BEGIN IMMEDIATE` transaction, so
 * parallel failures, from any process, lock a key exactly at each `maxFailures`-th.
 * `lockedFor` is a read and takes no write lock: a locked-out client's flood of attempts,
 * each one a `lockedFor`, never queues behind the writers. Failures of keys idle for a
 * window and ended locks are swept every few thousand failures.
 *
 * @example
 * ```ts
 * const { loginThrottle } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3, rateLimit: 'shared' })
 * loginThrottle.fail(['user:alice'], { maxFailures: 5, windowMs: 60_000, lockMs: 300_000 }, Date.now())
 * ```
 */
export class SqliteLoginThrottleStore implements LoginThrottleStore {
  readonly #transaction: Transaction
  readonly #lockOf
  readonly #expire
  readonly #unlock
  readonly #record
  readonly #count
  readonly #forget
  readonly #lock
  readonly #sweepFailures
  readonly #sweepLocks
  #calls = 0

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#transaction = transaction
    this.#lockOf = db.prepare('SELECT until FROM login_locks WHERE key = ?')
    this.#expire = db.prepare('DELETE FROM login_failures WHERE key = ? AND at <= ?')
    this.#unlock = db.prepare('DELETE FROM login_locks WHERE key = ? AND until <= ?')
    this.#record = db.prepare('INSERT INTO login_failures (key, at) VALUES (?, ?)')
    this.#count = db.prepare('SELECT count(*) AS n FROM login_failures WHERE key = ?')
    this.#forget = db.prepare('DELETE FROM login_failures WHERE key = ?')
    this.#lock = db.prepare('INSERT OR REPLACE INTO login_locks (key, until) VALUES (?, ?)')
    this.#sweepFailures = db.prepare('DELETE FROM login_failures WHERE at <= ?')
    this.#sweepLocks = db.prepare('DELETE FROM login_locks WHERE until <= ?')
  }

  lockedFor(keys: readonly string[], now: number): number {
    let wait = 0
    for (const key of keys) {
      const lock = this.#lockOf.get(key)
      if (lock) wait = Math.max(wait, Number(lock.until) - now)
    }
    return wait
  }

  fail(keys: readonly string[], { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): boolean {
    const since = now - windowMs
    const sweep = ++this.#calls % sweepEvery === 0
    return this.#transaction(() => {
      if (sweep) {
        this.#sweepFailures.run(since)
        this.#sweepLocks.run(now)
      }
      let locked = false
      for (const key of keys) {
        this.#expire.run(key, since)
        this.#unlock.run(key, now)
        this.#record.run(key, now)
        if (Number(this.#count.get(key)!.n) >= maxFailures) {
          this.#forget.run(key)
          this.#lock.run(key, now + lockMs)
          locked = true
        }
      }
      return locked
    })
  }

  clear(key: string): void {
    this.#transaction(() => this.#forget.run(key))
  }
}
