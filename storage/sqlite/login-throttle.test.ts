import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { betterSqlite3 } from './better-sqlite3.ts'
import { tempDir } from './driver-suite.ts'
import { openSqliteStores, type SqliteStores } from './stores.ts'

describe('SqliteLoginThrottleStore', () => {
  let dir: string
  let open: SqliteStores[]

  beforeEach(() => {
    dir = tempDir()
    open = []
  })
  afterEach(() => {
    for (const stores of open) stores.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // Each process alone would allow maxFailures guesses of its own: the file must count them together.
  it('shares failures and locks between connections to one file', () => {
    const path = join(dir, 'store.sqlite')
    const [a, b] = [0, 1].map(() => {
      const stores = openSqliteStores({ path, driver: betterSqlite3, rateLimit: 'shared' })
      open.push(stores)
      return stores
    }) as [SqliteStores, SqliteStores]
    const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 }
    const keys = ['user:alice', 'client:192.0.2.1']
    expect(a.loginThrottle.fail(keys, policy, 1_000)).toBe(false)
    expect(b.loginThrottle.fail(keys, policy, 1_001)).toBe(false)
    expect(a.loginThrottle.fail(keys, policy, 1_002)).toBe(true)
    expect(b.loginThrottle.lockedFor(['user:alice'], 1_002)).toBe(300_000)
    b.loginThrottle.clear('user:alice')
    expect(a.loginThrottle.lockedFor(keys, 2_002)).toBe(299_000)
  })
})
