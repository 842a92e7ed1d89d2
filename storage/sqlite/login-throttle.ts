import type { AttemptOutcome, LockoutPolicy, LoginThrottleStore } from '../types.ts'
import type { SqliteConnection } from './driver.ts'
import type { Transaction } from './transaction.ts'

const sweepEvery = 4096

/**
 * The login throttle in SQLite (`loginThrottle: 'shared'`, the default), so one count and
 * one lockout hold for every process sharing the file, and across restarts. It keeps what
 * the in-process `LoginThrottle` keeps, one row per fact: failures within the window
 * (`login_failures`), attempts in progress with the end of their lease (`login_attempts`),
 * and locks (`login_locks`).
 *
 * `begin` and `settle` each run in one `BEGIN IMMEDIATE` transaction: checking, counting
 * and recording cannot interleave with another connection's, so processes sharing the
 * file never let more than `maxFailures` attempts at a key through at once, and parallel
 * failures lock it exactly once. An attempt holds its place from `begin` until it is
 * settled or its lease (`leaseMs`) ends, so one never settled (its process died, a store
 * call timed out) frees its place then, without anyone cleaning up after it.
 *
 * Locks are only compared with the caller's clock, never deleted by it: a process whose
 * clock runs ahead must not erase a lock the others still honour. Failures out of a key's
 * window and attempts whose lease ended are deleted by the calls that count that key;
 * every few thousand calls a sweep deletes them for every key, with locks that ended at
 * least `windowMs` ago.
 *
 * @example
 * ```ts
 * const { loginThrottle } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * const policy = { maxFailures: 5, windowMs: 60_000, lockMs: 300_000, leaseMs: 30_000 }
 * if (loginThrottle.begin(['user:alice'], id, policy, Date.now()) === 0) {
 *   loginThrottle.settle(['user:alice'], id, passwordOk ? 'success' : 'failure', policy, Date.now())
 * }
 * ```
 */
export class SqliteLoginThrottleStore implements LoginThrottleStore {
  readonly #transaction: Transaction
  readonly #lockOf
  readonly #lock
  readonly #expireFailures
  readonly #expireAttempts
  readonly #usage
  readonly #failureCount
  readonly #start
  readonly #end
  readonly #fail
  readonly #forget
  readonly #sweepFailures
  readonly #sweepAttempts
  readonly #sweepLocks
  #calls = 0

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#transaction = transaction
    this.#lockOf = db.prepare('SELECT until FROM login_locks WHERE key = ?')
    this.#lock = db.prepare('INSERT OR REPLACE INTO login_locks (key, until) VALUES (?, ?)')
    this.#expireFailures = db.prepare('DELETE FROM login_failures WHERE key = ? AND at <= ?')
    this.#expireAttempts = db.prepare('DELETE FROM login_attempts WHERE key = ? AND lease_end <= ?')
    // One key's failures and attempts in progress, and when the first of each frees its place.
    this.#usage = db.prepare(
      `SELECT (SELECT count(*) FROM login_failures WHERE key = ?) AS failures,
              (SELECT min(at) FROM login_failures WHERE key = ?) AS oldest,
              (SELECT count(*) FROM login_attempts WHERE key = ?) AS pending,
              (SELECT min(lease_end) FROM login_attempts WHERE key = ?) AS lease`,
    )
    this.#failureCount = db.prepare('SELECT count(*) AS n FROM login_failures WHERE key = ?')
    // An attempt id recorded twice is one attempt, as a sorted set has it.
    this.#start = db.prepare('INSERT OR REPLACE INTO login_attempts (key, attempt, lease_end) VALUES (?, ?, ?)')
    this.#end = db.prepare('DELETE FROM login_attempts WHERE key = ? AND attempt = ?')
    this.#fail = db.prepare('INSERT OR REPLACE INTO login_failures (key, attempt, at) VALUES (?, ?, ?)')
    this.#forget = db.prepare('DELETE FROM login_failures WHERE key = ?')
    this.#sweepFailures = db.prepare('DELETE FROM login_failures WHERE at <= ?')
    this.#sweepAttempts = db.prepare('DELETE FROM login_attempts WHERE lease_end <= ?')
    this.#sweepLocks = db.prepare('DELETE FROM login_locks WHERE until <= ?')
  }

  begin(keys: readonly string[], attempt: string, policy: LockoutPolicy, now: number): number {
    const { maxFailures, windowMs, leaseMs } = policy
    return this.#transaction(() => {
      this.#sweep(policy, now)
      let wait = 0
      for (const key of keys) wait = Math.max(wait, this.#lockedUntil(key) - now)
      if (wait > 0) return wait
      for (const key of keys) {
        this.#expireFailures.run(key, now - windowMs)
        this.#expireAttempts.run(key, now)
        const usage = this.#usage.get(key, key, key, key)!
        if (Number(usage.failures) + Number(usage.pending) >= maxFailures) {
          const oldest = usage.oldest === null ? Infinity : Number(usage.oldest) + windowMs
          const lease = usage.lease === null ? Infinity : Number(usage.lease)
          wait = Math.max(wait, Math.min(oldest, lease) - now)
        }
      }
      if (wait > 0) return wait
      for (const key of keys) this.#start.run(key, attempt, now + leaseMs)
      return 0
    })
  }

  settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, policy: LockoutPolicy, now: number): boolean {
    const { maxFailures, windowMs, lockMs } = policy
    return this.#transaction(() => {
      this.#sweep(policy, now)
      let locked = false
      keys.forEach((key, i) => {
        this.#end.run(key, attempt)
        // A success forgets the username's failures, never a lock nor others' attempts in progress.
        if (outcome === 'success' && i === 0) this.#forget.run(key)
        // A failure while the key is locked is not counted: the count starts afresh after the lock.
        else if (outcome === 'failure' && this.#lockedUntil(key) <= now) {
          this.#expireFailures.run(key, now - windowMs)
          this.#fail.run(key, attempt, now)
          if (Number(this.#failureCount.get(key)!.n) >= maxFailures) {
            this.#forget.run(key)
            this.#lock.run(key, now + lockMs)
            locked = true
          }
        }
      })
      return locked
    })
  }

  /** When the key's lock ends (0 when it has none); an ended lock stays for the sweep. */
  #lockedUntil(key: string): number {
    const lock = this.#lockOf.get(key)
    if (!lock) return 0
    const until = Number(lock.until)
    // Fail closed: a lock that cannot be read (a corrupt or tampered file) is an error (503), never an unlocked key.
    if (!Number.isFinite(until)) throw new TypeError(`login throttle: the lock of ${key} holds ${String(lock.until)}, not a time`)
    return until
  }

  /**
   * Every few thousand calls, inside the call's transaction: failures out of the window,
   * attempts whose lease ended, and locks that ended at least `windowMs` ago (a margin for
   * processes whose clocks run behind this one's).
   */
  #sweep({ windowMs }: LockoutPolicy, now: number): void {
    if (++this.#calls % sweepEvery !== 0) return
    this.#sweepFailures.run(now - windowMs)
    this.#sweepAttempts.run(now)
    this.#sweepLocks.run(now - windowMs)
  }
}
