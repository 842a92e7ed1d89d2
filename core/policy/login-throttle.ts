/**
 * Brute-force protection for passwords (local and REST SSO): attempts are counted per
 * username and per client address; a key with `maxFailures` failures within the window
 * is locked for the cooling period, during which attempts are refused without checking
 * the password or calling the provider. An attempt counts as a failure from before its
 * check until it succeeds, so parallel guesses cannot outrun the count. Locks are
 * audited, never silent, and end on their own: an attacker can slow a user down for
 * `lockSeconds` at a time but not lock them out for good, and API tokens keep working
 * throughout.
 *
 * The counts live in a {@link LoginThrottleStore}: `stores.loginThrottle` when the host
 * sets one (shared by every instance on it), else a {@link LoginThrottle} of the process.
 */
import { LRUCache } from 'lru-cache'
import type { AttemptOutcome, LockoutPolicy, LoginThrottleStore } from '../../storage/types.ts'

/** The throttle keys of an attempt: the username (trimmed, case-folded) and the client address. */
export function throttleKeys(username: string, client: string): readonly string[] {
  return [`user:${username.trim().toLowerCase()}`, `client:${client}`]
}

/** What `begin` answers when only attempts in progress stand in the way: they end within seconds. */
export const busyWaitMs = 1000

interface Entry {
  /** Failures and attempts in progress: their ids and start times, oldest first. */
  attempts: { readonly id: string; readonly at: number }[]
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

  begin(keys: readonly string[], attempt: string, { maxFailures, windowMs }: LockoutPolicy, now: number): number {
    this.#entries ??= new LRUCache({ max: this.#maxEntries })
    const entries = keys.map((key) => this.#entries!.get(key) ?? { attempts: [], lockedUntil: 0 })
    let wait = 0
    for (const entry of entries) wait = Math.max(wait, entry.lockedUntil - now)
    if (wait > 0) return wait
    for (const entry of entries) {
      entry.attempts = entry.attempts.filter((a) => a.at > now - windowMs)
      if (entry.attempts.length >= maxFailures) return busyWaitMs
    }
    keys.forEach((key, i) => {
      entries[i]!.attempts.push({ id: attempt, at: now })
      this.#entries!.set(key, entries[i]!)
    })
    return 0
  }

  settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, { maxFailures, windowMs, lockMs }: LockoutPolicy, now: number): boolean {
    let locked = false
    keys.forEach((key, i) => {
      const entry = this.#entries?.get(key)
      if (!entry) return
      if (outcome === 'success' && i === 0) entry.attempts = []
      else if (outcome !== 'failure') entry.attempts = entry.attempts.filter((a) => a.id !== attempt)
      else if (entry.attempts.some((a) => a.id === attempt)) {
        entry.attempts = entry.attempts.filter((a) => a.at > now - windowMs)
        if (entry.attempts.length >= maxFailures) {
          entry.lockedUntil = now + lockMs
          entry.attempts = []
          locked = true
        }
      }
    })
    return locked
  }
}
