import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryRateLimitStore } from './rate-limit.ts'

describe('MemoryRateLimitStore', () => {
  it('allows limit requests, counting the remaining budget down, then refuses', () => {
    const store = new MemoryRateLimitStore()
    expect(store.consume('k', 3, 60_000, 1_000)).toEqual({ allowed: true, remaining: 2, resetMs: 60_000 })
    expect(store.consume('k', 3, 60_000, 11_000)).toEqual({ allowed: true, remaining: 1, resetMs: 50_000 })
    expect(store.consume('k', 3, 60_000, 21_000)).toEqual({ allowed: true, remaining: 0, resetMs: 40_000 })
    expect(store.consume('k', 3, 60_000, 31_000)).toEqual({ allowed: false, remaining: 0, resetMs: 30_000 })
  })

  it('frees one slot when the oldest counted request leaves the window, not the whole budget', () => {
    const store = new MemoryRateLimitStore()
    for (const t of [0, 10, 20]) expect(store.consume('k', 3, 100, t).allowed).toBe(true)
    expect(store.consume('k', 3, 100, 99)).toEqual({ allowed: false, remaining: 0, resetMs: 1 })
    // The request at 0 leaves the window at 100: (100 - 100, 100] no longer holds it.
    expect(store.consume('k', 3, 100, 100)).toEqual({ allowed: true, remaining: 0, resetMs: 10 })
    expect(store.consume('k', 3, 100, 101)).toEqual({ allowed: false, remaining: 0, resetMs: 9 })
    expect(store.consume('k', 3, 100, 110).allowed).toBe(true)
  })

  it('does not count refused requests', () => {
    const store = new MemoryRateLimitStore()
    expect(store.consume('k', 1, 100, 0).allowed).toBe(true)
    for (let t = 1; t < 100; t++) expect(store.consume('k', 1, 100, t).allowed).toBe(false)
    expect(store.consume('k', 1, 100, 100)).toEqual({ allowed: true, remaining: 0, resetMs: 100 })
  })

  it('never lets twice the limit through across a window boundary', () => {
    const store = new MemoryRateLimitStore()
    const windowMs = 60_000
    // A full budget spent at the very end of one fixed window...
    for (let i = 0; i < 10; i++) expect(store.consume('k', 10, windowMs, 59_990 + i).allowed).toBe(true)
    // ...leaves nothing at the start of the next one, until those requests age out.
    for (const t of [60_000, 60_001, 90_000, 119_989]) expect([t, store.consume('k', 10, windowMs, t).allowed]).toEqual([t, false])
    expect(store.consume('k', 10, windowMs, 119_990)).toEqual({ allowed: true, remaining: 0, resetMs: 1 })
    expect(store.consume('k', 10, windowMs, 119_990).allowed).toBe(false)
    expect(store.consume('k', 10, windowMs, 119_991).allowed).toBe(true)
  })

  it('never allows more than limit in any window, stepping the clock through many boundaries', () => {
    const store = new MemoryRateLimitStore()
    const limit = 5
    const windowMs = 1_000
    const accepted: number[] = []
    // A request every 37 ms for 10 windows, with a burst of 20 every 400 ms.
    for (let t = 0; t < 10_000; t += 37) {
      const burst = t % 400 < 37 ? 20 : 1
      for (let i = 0; i < burst; i++) if (store.consume('k', limit, windowMs, t).allowed) accepted.push(t)
    }
    expect(accepted.length).toBeGreaterThan(40)
    for (const start of accepted) expect(accepted.filter((t) => t >= start && t < start + windowMs).length).toBeLessThanOrEqual(limit)
  })

  it('decides exactly as the sliding window log: at most limit in any window, and no refusal below it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 80 }),
        (limit, windowMs, gaps) => {
          const store = new MemoryRateLimitStore()
          const accepted: number[] = []
          let now = 1_000_000
          for (const gap of gaps) {
            now += gap
            const inWindow = accepted.filter((t) => t > now - windowMs)
            const result = store.consume('k', limit, windowMs, now)
            const expectedAllowed = inWindow.length < limit
            if (result.allowed !== expectedAllowed) return false
            if (result.allowed) {
              accepted.push(now)
              if (result.remaining !== limit - inWindow.length - 1) return false
              if (result.resetMs !== (inWindow[0] ?? now) + windowMs - now) return false
            } else {
              if (result.remaining !== 0) return false
              const freed = inWindow[inWindow.length - limit]! + windowMs - now
              if (result.resetMs !== freed || result.resetMs <= 0) return false
            }
          }
          for (const start of accepted) if (accepted.filter((t) => t >= start && t < start + windowMs).length > limit) return false
          return true
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps keys independent', () => {
    const store = new MemoryRateLimitStore()
    expect(store.consume('token:a', 2, 1_000, 0).allowed).toBe(true)
    expect(store.consume('token:a', 2, 1_000, 0).allowed).toBe(true)
    expect(store.consume('token:a', 2, 1_000, 0).allowed).toBe(false)
    expect(store.consume('token:b', 2, 1_000, 0)).toEqual({ allowed: true, remaining: 1, resetMs: 1_000 })
    expect(store.consume('user:a', 2, 1_000, 0)).toEqual({ allowed: true, remaining: 1, resetMs: 1_000 })
  })

  it('honours a lowered limit at once, freeing slots only as enough requests age out', () => {
    const store = new MemoryRateLimitStore()
    for (const t of [0, 10, 20, 30]) store.consume('k', 10, 100, t)
    // Four counted; under a limit of 2 a slot frees when only one is left: the one at 20 leaves at 120.
    expect(store.consume('k', 2, 100, 50)).toEqual({ allowed: false, remaining: 0, resetMs: 70 })
    expect(store.consume('k', 2, 100, 110)).toEqual({ allowed: false, remaining: 0, resetMs: 10 })
    expect(store.consume('k', 2, 100, 120)).toEqual({ allowed: true, remaining: 0, resetMs: 10 })
  })

  it('forgets idle keys, so memory stays bounded by the keys active within one window', () => {
    const store = new MemoryRateLimitStore()
    const windowMs = 1_000
    for (let i = 0; i < 10_000; i++) store.consume(`token:${i}`, 5, windowMs, i % 100)
    expect(store.size).toBeGreaterThan(1_000)
    // After a quiet window, a few thousand calls from one key sweep every idle one away.
    for (let i = 0; i < 5_000; i++) store.consume('token:busy', 1_000_000, windowMs, 10_000 + i)
    expect(store.size).toBe(1)
    // A swept key starts over with a full budget.
    expect(store.consume('token:7', 5, windowMs, 20_000)).toEqual({ allowed: true, remaining: 4, resetMs: windowMs })
  })

  it('never sweeps a key whose newest request is still in the window, even when its oldest has left', () => {
    const store = new MemoryRateLimitStore()
    store.consume('k', 2, 1_000, 0)
    store.consume('k', 2, 1_000, 900)
    // Enough calls from other keys to run a sweep at 1000, when the request at 0 has left.
    for (let i = 0; i < 5_000; i++) store.consume(`other:${i}`, 2, 1_000, 1_000)
    expect(store.consume('k', 2, 1_000, 1_001)).toEqual({ allowed: true, remaining: 0, resetMs: 899 })
    expect(store.consume('k', 2, 1_000, 1_001).allowed).toBe(false)
  })

  it('does not sweep keys still inside their window', () => {
    const store = new MemoryRateLimitStore()
    for (let i = 0; i < 5_000; i++) store.consume(`token:${i}`, 1, 60_000, i)
    expect(store.size).toBe(5_000)
    expect(store.consume('token:0', 1, 60_000, 5_000).allowed).toBe(false)
  })
})
