import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryRateLimitStore } from '../memory/rate-limit.ts'
import { betterSqlite3 } from './better-sqlite3.ts'
import { openSqliteStores } from './stores.ts'

// The same model check as the memory store's: the SQLite log must decide request by
// request exactly as a sliding window log does (allowed, remaining, resetMs).
describe('SqliteRateLimitStore', () => {
  it('decides exactly as the sliding window log: at most limit in any window, and no refusal below it', () => {
    const stores = openSqliteStores({ path: ':memory:', driver: betterSqlite3, rateLimit: 'shared' })
    let run = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 80 }),
        (limit, windowMs, gaps) => {
          const key = `run:${run++}`
          const accepted: number[] = []
          let now = 1_000_000
          for (const gap of gaps) {
            now += gap
            const inWindow = accepted.filter((t) => t > now - windowMs)
            const result = stores.rateLimit.consume(key, limit, windowMs, now)
            if (result.allowed !== inWindow.length < limit) return false
            if (result.allowed) {
              accepted.push(now)
              if (result.remaining !== limit - inWindow.length - 1) return false
              if (result.resetMs !== (inWindow[0] ?? now) + windowMs - now) return false
            } else {
              if (result.remaining !== 0) return false
              if (result.resetMs !== inWindow[inWindow.length - limit]! + windowMs - now || result.resetMs <= 0) return false
            }
          }
          return true
        },
      ),
      { numRuns: 300 },
    )
    stores.close()
  })

  it('decides as the memory store does, even when the clock steps back', () => {
    const stores = openSqliteStores({ path: ':memory:', driver: betterSqlite3, rateLimit: 'shared' })
    let run = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: -40, max: 60 }), { maxLength: 60 }),
        (limit, windowMs, gaps) => {
          const key = `run:${run++}`
          const memory = new MemoryRateLimitStore()
          let now = 1_000_000
          for (const gap of gaps) {
            now += gap
            expect(stores.rateLimit.consume(key, limit, windowMs, now)).toEqual(memory.consume(key, limit, windowMs, now))
          }
        },
      ),
      { numRuns: 300 },
    )
    stores.close()
  })
})
