import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { busyWaitMs } from '../../core/policy/login-throttle.ts'
import { betterSqlite3 } from './better-sqlite3.ts'
import { tempDir } from './driver-suite.ts'
import { openSqliteStores, type SqliteStores } from './stores.ts'

describe('SqliteLoginThrottleStore', () => {
  const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 }
  const keys = ['user:alice', 'client:192.0.2.1']
  let dir: string
  let path: string
  let open: SqliteStores[]
  const connect = () => {
    const stores = openSqliteStores({ path, driver: betterSqlite3 })
    open.push(stores)
    return stores
  }
  const rows = (table: 'login_attempts' | 'login_locks') => {
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
  it('counts attempts and locks of every connection to one file together', () => {
    const [a, b] = [connect(), connect()]
    for (const id of ['a1', 'a2', 'a3']) expect(a.loginThrottle.begin(keys, id, policy, 1_000)).toBe(0)
    expect(b.loginThrottle.begin(keys, 'b1', policy, 1_001)).toBe(busyWaitMs)
    // A failure settled on B counts the attempts begun on A: the keys lock for A too.
    expect(b.loginThrottle.settle(keys, 'a1', 'failure', policy, 1_002)).toBe(true)
    expect(a.loginThrottle.begin(keys, 'a4', policy, 1_002)).toBe(policy.lockMs)
    expect(a.loginThrottle.begin(['client:192.0.2.1'], 'a5', policy, 2_002)).toBe(policy.lockMs - 1_000)
    // The lock cleared the other attempts: settling them changes nothing.
    expect(a.loginThrottle.settle(keys, 'a2', 'failure', policy, 1_003)).toBe(false)
    expect(rows('login_attempts')).toBe(0)
  })

  it('counts the attempts of a connection that closed without settling them, until they leave the window', () => {
    const gone = connect()
    for (const id of ['g1', 'g2']) expect(gone.loginThrottle.begin(keys, id, policy, 1_000)).toBe(0)
    gone.close()
    open.splice(open.indexOf(gone), 1)
    const next = connect()
    expect(next.loginThrottle.begin(keys, 'n1', policy, 2_000)).toBe(0)
    expect(next.loginThrottle.begin(keys, 'n2', policy, 2_000)).toBe(busyWaitMs)
    expect(next.loginThrottle.begin(keys, 'n3', policy, 1_000 + policy.windowMs - 1)).toBe(busyWaitMs)
    expect(next.loginThrottle.begin(keys, 'n4', policy, 1_000 + policy.windowMs)).toBe(0)
  })

  it('forgets ended locks and attempts out of the window every few thousand calls', () => {
    const stores = connect()
    const throttle = stores.loginThrottle
    for (let i = 0; i < 3; i++) throttle.settle(['user:locked'], `l${i}`, 'failure', policy, 0)
    for (let i = 0; i < 3; i++) throttle.begin(['user:locked'], `l${i}`, policy, 0)
    expect(throttle.settle(['user:locked'], 'l2', 'failure', policy, 0)).toBe(true)
    for (let i = 7; i < 4095; i++) throttle.begin([`client:${i}`], 'x', policy, i % 100)
    expect(rows('login_attempts')).toBe(4095 - 7)
    expect(rows('login_locks')).toBe(1)
    throttle.begin(['client:busy'], 'x', policy, policy.lockMs + 100)
    expect(rows('login_attempts')).toBe(1)
    expect(rows('login_locks')).toBe(0)
  })
})
