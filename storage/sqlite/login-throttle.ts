import { busyWaitMs } from '../../core/policy/login-throttle.ts'
import type { AttemptOutcome, LockoutPolicy, LoginThrottleStore } from '../types.ts'
import type { SqliteConnection } from './driver.ts'
import type { Transaction } from './transaction.ts'

const sweepEvery = 4096

/**
 * The login throttle in SQLite (`loginThrottle: 'shared'`, the default), so one count and
 * one lockout hold for every process sharing the file, and across restarts: one row per
 * attempt (in progress, or a failure still in its window) and one per lock. `begin`
 * refuses a key's `maxFailures`-th attempt and a failure that reaches it turns the rows
 * into a lock, so a key holds at most `maxFailures` rows: counting them is a short range.
 *
 * `begin` and `settle` each run in one `BEGIN IMMEDIATE` transaction: checking, counting
 * and recording cannot interleave with another connection's, so processes sharing the
 * file never let more than `maxFailures` attempts at a key through at once, and parallel
 * failures lock it exactly once. An attempt is recorded before its password is checked,
 * so one whose process died before settling it counts as a failure until it leaves the
 * window. Ended locks of the keys a call touches are deleted as it goes; attempts out of
 * every window and all ended locks are swept every few thousand calls.
 *
 * @example
 * ```ts
 * const { loginThrottle } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * const policy = { maxFailures: 5, windowMs: 60_000, lockMs: 300_000 }
 * if (loginThrottle.begin(['user:alice'], id, policy, Date.now()) === 0) {
 *   loginThrottle.settle(['user:alice'], id, passwordOk ? 'success' : 'failure', policy, Date.now())
 * }
 * ```
 */
export class SqliteLoginThrottleStore implements LoginThrottleStore {
  readonly #transaction: Transaction
  readonly #unlock
  readonly #lockOf
  readonly #expire
  readonly #count
  readonly #record
  readonly #has
  readonly #forgetAttempt
  readonly #forget
  readonly #lock
  readonly #sweepAttempts
  readonly #sweepLocks
  #calls = 0

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#transaction = transaction
    this.#unlock = db.prepare('DELETE FROM login_locks WHERE key = ? AND until <= ?')
    this.#lockOf = db.prepare('SELECT until FROM login_locks WHERE key = ?')
    this.#expire = db.prepare('DELETE FROM login_attempts WHERE key = ? AND at <= ?')
    this.#count = db.prepare('SELECT count(*) AS n FROM login_attempts WHERE key = ?')
    // An attempt id begun twice is one attempt, as Redis's sorted set has it.
    this.#record = db.prepare('INSERT OR REPLACE INTO login_attempts (key, attempt, at) VALUES (?, ?, ?)')
    this.#has = db.prepare('SELECT 1 AS found FROM login_attempts WHERE key = ? AND attempt = ?')
    this.#forgetAttempt = db.prepare('DELETE FROM login_attempts WHERE key = ? AND attempt = ?')
    this.#forget = db.prepare('DELETE FROM login_attempts WHERE key = ?')
    this.#lock = db.prepare('INSERT OR REPLACE INTO login_locks (key, until) VALUES (?, ?)')
    this.#sweepAttempts = db.prepare('DELETE FROM login_attempts WHERE at <= ?')
    this.#sweepLocks = db.prepare('DELETE FROM login_locks WHERE until <= ?')
  }

  begin(keys: readonly string[], attempt: string, { maxFailures, windowMs }: LockoutPolicy, now: number): number {
    const since = now - windowMs
    return this.#transaction(() => {
      this.#sweep(since, now)
      let wait = 0
      for (const key of keys) {
        this.#unlock.run(key, now)
        const lock = this.#lockOf.get(key)
        if (lock) wait = Math.max(wait, Number(lock.until) - now)
      }
      if (wait > 0) return wait
      for (const key of keys) {
        this.#expire.run(key, since)
        if (Number(this.#count.get(key)!.n) >= maxFailures) return busyWaitMs
      }
      for (const key of keys) this.#record.run(key, attempt, now)
      return 0
    })
  }

  settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): boolean {
    const since = now - windowMs
    return this.#transaction(() => {
      this.#sweep(since, now)
      let locked = false
      keys.forEach((key, i) => {
        this.#unlock.run(key, now)
        // A success clears the username's earlier failures too.
        if (outcome === 'success' && i === 0) this.#forget.run(key)
        else if (outcome !== 'failure') this.#forgetAttempt.run(key, attempt)
        // An attempt a lock or a success already cleared changes nothing.
        else if (this.#has.get(key, attempt)) {
          this.#expire.run(key, since)
          if (Number(this.#count.get(key)!.n) >= maxFailures) {
            this.#forget.run(key)
            this.#lock.run(key, now + lockMs)
            locked = true
          }
        }
      })
      return locked
    })
  }

  /** Every few thousand calls, inside the call's transaction: attempts out of its window, ended locks. */
  #sweep(since: number, now: number): void {
    if (++this.#calls % sweepEvery !== 0) return
    this.#sweepAttempts.run(since)
    this.#sweepLocks.run(now)
  }
}
