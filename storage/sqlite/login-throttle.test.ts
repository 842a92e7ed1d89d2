import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LockoutPolicy } from '../types.ts'
import { betterSqlite3 } from './better-sqlite3.ts'
import { tempDir } from './driver-suite.ts'
import { openSqliteStores, type SqliteStores } from './stores.ts'

describe('SqliteLoginThrottleStore', () => {
  const policy: LockoutPolicy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000, leaseMs: 5_000 }
  const keys = ['user:alice', 'client:192.0.2.1']
  let dir: string
  let path: string
  let open: SqliteStores[]
  const connect = () => {
    const stores = openSqliteStores({ path, driver: betterSqlite3 })
    open.push(stores)
    return stores
  }
  const disconnect = (stores: SqliteStores) => {
    stores.close()
    open.splice(open.indexOf(stores), 1)
  }
  const rows = (table: 'login_failures' | 'login_attempts' | 'login_locks') => {
    const db = betterSqlite3(path)
    try {
      return Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()!.n)
    } finally {
      db.close()
    }
  }

  beforeEach(() => {
    dir = tempDir()
    path = join(dir, 'store.sqlite')
    open = []
  })
  afterEach(() => {
    for (const stores of open) stores.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // Each process alone would let maxFailures guesses through: the file must count them together.
  it('shares places and locks between the connections to one file', () => {
    const [a, b] = [connect().loginThrottle, connect().loginThrottle]
    for (const id of ['a1', 'a2', 'a3']) expect(a.begin(keys, id, policy, 1_000)).toBe(0)
    // B sees A's attempts in progress: its first place frees when their leases end.
    expect(b.begin(keys, 'b1', policy, 1_001)).toBe(policy.leaseMs - 1)
    // A failure settled on B ends A's attempt: one failure and two attempts in progress still fill the keys.
    expect(b.settle(keys, 'a1', 'failure', policy, 1_002)).toBe(false)
    expect(b.begin(keys, 'b2', policy, 1_002)).toBe(policy.leaseMs - 2)
    expect(a.settle(keys, 'a2', 'failure', policy, 1_003)).toBe(false)
    expect(b.settle(keys, 'a3', 'failure', policy, 1_004)).toBe(true)
    expect(a.begin(keys, 'a4', policy, 1_004)).toBe(policy.lockMs)
    expect(b.begin(['client:192.0.2.1'], 'b3', policy, 2_004)).toBe(policy.lockMs - 1_000)
    expect([rows('login_failures'), rows('login_attempts'), rows('login_locks')]).toEqual([0, 0, 2])

    // A connection whose clock runs ahead goes past the lock, but leaves it for the others.
    expect(a.begin(keys, 'ahead', policy, 1_004 + policy.lockMs)).toBe(0)
    expect(b.begin(keys, 'behind', policy, 1_004 + policy.lockMs - 1_000)).toBe(1_000)
    expect(rows('login_locks')).toBe(2)
  })

  it('fails closed on a lock that is not a time', () => {
    const { loginThrottle } = connect()
    const db = betterSqlite3(path)
    try {
      db.prepare("INSERT INTO login_locks (key, until) VALUES ('user:alice', 'soon')").run()
    } finally {
      db.close()
    }
    expect(() => loginThrottle.begin(keys, 'x', policy, 1_000)).toThrow(/not a time/)
    expect(() => loginThrottle.settle(keys, 'x', 'failure', policy, 1_000)).toThrow(/not a time/)
  })

  it('frees the place of an attempt begun on a connection that closed without settling it once its lease ends', () => {
    const gone = connect()
    for (const id of ['g1', 'g2', 'g3']) expect(gone.loginThrottle.begin(keys, id, policy, 1_000)).toBe(0)
    disconnect(gone)
    const next = connect().loginThrottle
    expect(next.begin(keys, 'n1', policy, 1_000 + policy.leaseMs - 1)).toBe(1)
    expect(next.begin(keys, 'n2', policy, 1_000 + policy.leaseMs)).toBe(0)
    // The lost attempts are gone from the keys counted; n2 is in progress on both.
    expect(rows('login_attempts')).toBe(2)
    expect(next.settle(keys, 'n2', 'void', policy, 1_000 + policy.leaseMs + 1)).toBe(false)
    expect(rows('login_attempts')).toBe(0)
  })

  it('sweeps failures out of the window, ended leases and long-ended locks every few thousand calls', () => {
    const throttle = connect().loginThrottle
    let calls = 0
    const begin = (on: readonly string[], id: string, at: number) => (calls++, throttle.begin(on, id, policy, at))
    const settle = (on: readonly string[], id: string, at: number) => (calls++, throttle.settle(on, id, 'failure', policy, at))
    const lock = (key: string, at: number) => {
      for (let i = 0; i < 3; i++) expect(begin([key], `${key}-${i}`, at)).toBe(0)
      for (let i = 0; i < 3; i++) expect(settle([key], `${key}-${i}`, at)).toBe(i === 2)
    }
    lock('user:early', 0) // until lockMs
    lock('user:late', 100_000) // until 100_000 + lockMs
    expect(begin(['user:failed'], 'f', 0)).toBe(0)
    expect(settle(['user:failed'], 'f', 0)).toBe(false)
    // An ended lock is compared, not deleted.
    expect(begin(['user:early'], 'after', policy.lockMs)).toBe(0)
    expect(calls).toBe(15)
    while (calls < 4095) expect(begin([`client:${calls}`], 'x', 1)).toBe(0)
    expect([rows('login_failures'), rows('login_attempts'), rows('login_locks')]).toEqual([1, 1 + 4095 - 15, 2])

    // The 4096th call sweeps, before recording its own attempt: user:early's lock ended
    // windowMs ago and goes, user:late's ended too but less than windowMs ago and stays.
    const sweepAt = 100_000 + policy.lockMs + policy.windowMs - 1
    expect(begin(['client:sweeper'], 'x', sweepAt)).toBe(0)
    expect([rows('login_failures'), rows('login_attempts'), rows('login_locks')]).toEqual([0, 1, 1])
  })
})
