import type { RateLimitResult, RateLimitStore } from '../types.ts'

const sweepEvery = 4096

/**
 * In-memory sliding window log. Each key keeps the times of its accepted requests (at
 * most `limit` of them); consuming is synchronous, so it is atomic in one process. Keys
 * idle for a whole window are swept every few thousand calls, so memory stays bounded
 * by the keys active within one window.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, number[]>()
  #calls = 0

  /** How many keys are tracked now (idle ones until the next sweep). */
  get size(): number {
    return this.#logs.size
  }

  consume(key: string, limit: number, windowMs: number, now: number): RateLimitResult {
    if (++this.#calls % sweepEvery === 0) this.#sweep(now - windowMs)
    let log = this.#logs.get(key)
    if (!log) this.#logs.set(key, (log = []))
    let expired = 0
    while (expired < log.length && log[expired]! <= now - windowMs) expired++
    if (expired) log.splice(0, expired)
    if (log.length >= limit) {
      return { allowed: false, remaining: 0, resetMs: log[log.length - limit]! + windowMs - now }
    }
    log.push(now)
    return { allowed: true, remaining: limit - log.length, resetMs: log[0]! + windowMs - now }
  }

  #sweep(since: number): void {
    for (const [key, log] of this.#logs) if (!log.length || log[log.length - 1]! <= since) this.#logs.delete(key)
  }
}
