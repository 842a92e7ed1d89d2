/**
 * Brute-force protection for passwords (local and REST SSO): failed attempts are counted
 * per username and per client address; a key with `maxFailures` failures within the
 * window is locked for the cooling period, during which attempts are refused without
 * checking the password or calling the provider. Locks are audited, never silent, and
 * end on their own: an attacker can slow a user down for `lockSeconds` at a time but not
 * lock them out for good, and API tokens keep working throughout.
 *
 * The counts live in a {@link LoginThrottleStore}: `stores.loginThrottle` when the host
 * sets one (shared by every instance on it), else a {@link LoginThrottle} of the process.
 */
import { LRUCache } from 'lru-cache'
import type { LockoutPolicy, LoginThrottleStore } from '../../storage/types.ts'

/** The throttle keys of an attempt: the username (case-folded) and the client address. */
export function throttleKeys(username: string, client: string): readonly string[] {
  return [`user:${username.toLowerCase()}`, `client:${client}`]
}

interface Entry {
  failures: number[]
  lockedUntil: number
}

/**
 * The login throttle of one process, in a bounded LRU (`maxEntries` keys, 50,000 by
 * default): the engine's own when the stores bring none, and the memory stores'. Behind
 * a load balancer each instance counts alone.
 */
export class LoginThrottle implements LoginThrottleStore {
  readonly #maxEntries: number
  /** Made at the first failure: lru-cache allocates for `max` up front, which a throttle that never sees one should not pay. */
  #entries: LRUCache<string, Entry> | undefined

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 50_000
  }

  lockedFor(keys: readonly string[], now: number): number {
    let wait = 0
    for (const key of keys) wait = Math.max(wait, (this.#entries?.get(key)?.lockedUntil ?? 0) - now)
    return wait
  }

  fail(keys: readonly string[], { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): boolean {
    this.#entries ??= new LRUCache({ max: this.#maxEntries })
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

  clear(key: string): void {
    const entry = this.#entries?.get(key)
    if (!entry) return
    // A lock in force stays: clearing only forgets the failures that led towards one.
    if (entry.lockedUntil > 0) entry.failures = []
    else this.#entries!.delete(key)
  }
}
