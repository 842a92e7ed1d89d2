/**
 * Brute-force protection for passwords (local and REST SSO): failed attempts are counted
 * per username and per client address; a key with `maxFailures` failures within the
 * window is locked for the cooling period, during which attempts are refused without
 * checking the password or calling the provider. Locks are audited, never silent, and
 * end on their own: an attacker can slow a user down for `lockSeconds` at a time but not
 * lock them out for good, and API tokens keep working throughout.
 *
 * State is per process (bounded LRU); behind a load balancer each instance counts alone.
 */
import { LRUCache } from 'lru-cache'

/** Settings of a {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  readonly maxFailures: number
  readonly windowMs: number
  readonly lockMs: number
  readonly now: () => number
  readonly maxEntries?: number
}

interface Entry {
  failures: number[]
  lockedUntil: number
}

/** Counts failed password attempts and locks keys that fail too often. */
export class LoginThrottle {
  readonly #options: LoginThrottleOptions
  /** Made at the first failure: lru-cache allocates for `max` up front, which a throttle that never sees one should not pay. */
  #entries: LRUCache<string, Entry> | undefined

  constructor(options: LoginThrottleOptions) {
    this.#options = options
  }

  /** The keys of an attempt: the username (case-folded) and the client address. */
  static keys(username: string, client: string): readonly string[] {
    return [`user:${username.toLowerCase()}`, `client:${client}`]
  }

  /** Milliseconds until the attempt may be made, or 0 when none of its keys is locked. */
  lockedFor(keys: readonly string[]): number {
    const now = this.#options.now()
    let wait = 0
    for (const key of keys) wait = Math.max(wait, (this.#entries?.get(key)?.lockedUntil ?? 0) - now)
    return wait
  }

  /** Records a failed attempt; returns whether it locked one of the keys. */
  fail(keys: readonly string[]): boolean {
    const { maxFailures, windowMs, lockMs, now: clock } = this.#options
    const now = clock()
    this.#entries ??= new LRUCache({ max: this.#options.maxEntries ?? 50_000 })
    let locked = false
    for (const key of keys) {
      const entry = this.#entries.get(key) ?? { failures: [], lockedUntil: 0 }
      entry.failures = entry.failures.filter((t) => t > now - windowMs)
      entry.failures.push(now)
      if (entry.failures.length >= maxFailures) {
        entry.lockedUntil = now + lockMs
        entry.failures = []
        locked = true
      }
      this.#entries.set(key, entry)
    }
    return locked
  }

  /** Clears the username's count after a success (the client's stays: it may be guessing other names). */
  succeed(keys: readonly string[]): void {
    this.#entries?.delete(keys[0]!)
  }
}
