/**
 * Brute-force protection for passwords (local and REST SSO): attempts are counted per
 * username and per client address; a key with `maxFailures` failures within the window
 * is locked for the cooling period, during which attempts are refused without checking
 * the password or calling the provider. An attempt holds a place from before its check
 * until it ends, so parallel guesses cannot outrun the count. Locks are audited, never
 * silent, and end on their own: an attacker can slow a user down for `lockSeconds` at a
 * time but not lock them out for good, and API tokens keep working throughout.
 *
 * The counts live in a {@link LoginThrottleStore}: `stores.loginThrottle` when the host
 * sets one (shared by every instance on it), else a {@link LoginThrottle} of the process.
 */
import { LRUCache } from 'lru-cache'
import type { AttemptOutcome, LockoutPolicy, LoginThrottleStore } from '../../storage/types.ts'

/** The throttle keys of an attempt: the account's username (trimmed, case-folded) and the client address. */
export function throttleKeys(username: string, client: string): readonly string[] {
  return [`user:${username.trim().toLowerCase()}`, `client:${client}`]
}

interface Entry {
  /** Times of the failures in the window. */
  failures: number[]
  /** Attempts in progress, by id: when their lease ends. */
  readonly pending: Map<string, number>
  lockedUntil: number
}

/**
 * The login throttle of one process, in a bounded LRU (`maxEntries` keys, 50,000 by
 * default): the engine's own when the stores bring none, and the memory stores'. Behind
 * a load balancer each instance counts alone.
 */
export class LoginThrottle implements LoginThrottleStore {
  readonly #maxEntries: number
  /** Made at the first attempt: lru-cache allocates for `max` up front, which a throttle that never sees one should not pay. */
  #entries: LRUCache<string, Entry> | undefined

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 50_000
  }

  begin(keys: readonly string[], attempt: string, { maxFailures, windowMs, leaseMs }: LockoutPolicy, now: number): number {
    this.#entries ??= new LRUCache({ max: this.#maxEntries })
    const entries = keys.map((key) => this.#entries!.get(key) ?? { failures: [], pending: new Map<string, number>(), lockedUntil: 0 })
    let wait = 0
    for (const entry of entries) wait = Math.max(wait, entry.lockedUntil - now)
    if (wait > 0) return wait
    for (const entry of entries) {
      entry.failures = entry.failures.filter((at) => at > now - windowMs)
      for (const [id, leaseEnd] of entry.pending) if (leaseEnd <= now) entry.pending.delete(id)
      if (entry.failures.length + entry.pending.size >= maxFailures) {
        // Failures arrive out of order (each is timed at its request's start): the oldest is the least, not the first.
        wait = Math.max(wait, Math.min(...entry.failures.map((at) => at + windowMs), ...entry.pending.values()) - now)
      }
    }
    if (wait > 0) return wait
    keys.forEach((key, i) => {
      entries[i]!.pending.set(attempt, now + leaseMs)
      this.#entries!.set(key, entries[i]!)
    })
    return 0
  }

  settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): boolean {
    let locked = false
    keys.forEach((key, i) => {
      let entry = this.#entries?.get(key)
      if (!entry && outcome === 'failure') this.#entries?.set(key, (entry = { failures: [], pending: new Map(), lockedUntil: 0 }))
      if (!entry) return
      entry.pending.delete(attempt)
      if (outcome === 'success' && i === 0) entry.failures = []
      else if (outcome === 'failure' && entry.lockedUntil <= now) {
        entry.failures = entry.failures.filter((at) => at > now - windowMs)
        entry.failures.push(now)
        if (entry.failures.length >= maxFailures) {
          entry.lockedUntil = now + lockMs
          entry.failures = []
          locked = true
        }
      }
    })
    return locked
  }
}
