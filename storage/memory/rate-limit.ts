import type { RateLimitResult, RateLimitStore } from '../types.ts'

const sweepEvery = 4096

/**
 * In-memory sliding window log. Each key keeps the times of its accepted requests (at
 * most `limit` of them); consuming is synchronous, so it is atomic in one process. Keys
 * idle for a whole window are swept every few thousand calls, so memory stays bounded
 * by the keys active within one window.
 */
/** A key's accepted times, oldest first from `head`; entries before `head` have left the window. */
interface Log {
  times: number[]
  head: number
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, Log>()
  #calls = 0

  /** How many keys are tracked now (idle ones until the next sweep). */
  get size(): number {
    return this.#logs.size
  }

  consume(key: string, limit: number, windowMs: number, now: number): RateLimitResult {
    if (++this.#calls % sweepEvery === 0) this.#sweep(now - windowMs)
    let log = this.#logs.get(key)
    if (!log) this.#logs.set(key, (log = { times: [], head: 0 }))
    const { times } = log
    while (log.head < times.length && times[log.head]! <= now - windowMs) log.head++
    // Expiring moves `head`; the array is compacted only when half of it is dead, so a
    // consume stays O(1) amortised even with a limit of many thousands.
    if (log.head > 64 && log.head * 2 > times.length) {
      times.splice(0, log.head)
      log.head = 0
    }
    const count = times.length - log.head
    if (count >= limit) {
      return { allowed: false, remaining: 0, resetMs: times[times.length - limit]! + windowMs - now }
    }
    times.push(now)
    return { allowed: true, remaining: limit - count - 1, resetMs: times[log.head]! + windowMs - now }
  }

  #sweep(since: number): void {
    for (const [key, { times, head }] of this.#logs) if (head === times.length || times[times.length - 1]! <= since) this.#logs.delete(key)
  }
}
