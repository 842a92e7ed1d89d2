import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../types.ts'
import { MemoryAuditStore } from './audit.ts'

const entry = (time: number, fields: Partial<AuditRecord> = {}): AuditRecord => ({
  time,
  event: 'authenticate',
  outcome: 'success',
  reason: 'api-token',
  user: 'alice',
  method: 'GET',
  path: '/rest/api',
  client: '192.0.2.1',
  ...fields,
})

describe('MemoryAuditStore', () => {
  it('answers newest first', () => {
    const store = new MemoryAuditStore()
    for (const time of [1, 2, 3]) store.append(entry(time))
    expect(store.query().map((r) => r.time)).toEqual([3, 2, 1])
  })

  it('filters by user, outcome and time window (from inclusive, to exclusive)', () => {
    const store = new MemoryAuditStore()
    store.append(entry(10, { user: 'alice', outcome: 'success' }))
    store.append(entry(20, { user: 'bob', outcome: 'unauthorized' }))
    store.append(entry(30, { user: 'alice', outcome: 'unauthorized' }))
    store.append(entry(40, { outcome: 'unauthorized', user: undefined as never }))
    expect(store.query({ user: 'alice' }).map((r) => r.time)).toEqual([30, 10])
    expect(store.query({ outcome: 'unauthorized' }).map((r) => r.time)).toEqual([40, 30, 20])
    expect(store.query({ user: 'alice', outcome: 'unauthorized' }).map((r) => r.time)).toEqual([30])
    expect(store.query({ from: 20, to: 40 }).map((r) => r.time)).toEqual([30, 20])
    expect(store.query({ from: 41 })).toEqual([])
  })

  it('limits to the newest matches', () => {
    const store = new MemoryAuditStore()
    for (let time = 1; time <= 10; time++) store.append(entry(time, { user: time % 2 ? 'odd' : 'even' }))
    expect(store.query({ limit: 3 }).map((r) => r.time)).toEqual([10, 9, 8])
    expect(store.query({ user: 'odd', limit: 2 }).map((r) => r.time)).toEqual([9, 7])
    expect(store.query({ limit: 0 })).toEqual([])
  })

  it('drops the oldest entries beyond maxEntries', () => {
    const store = new MemoryAuditStore({ maxEntries: 3 })
    for (let time = 1; time <= 5; time++) store.append(entry(time))
    expect(store.query().map((r) => r.time)).toEqual([5, 4, 3])
  })

  it("keeps frozen copies, untouched by changes to the caller's record", () => {
    const store = new MemoryAuditStore()
    const record = { ...entry(1) }
    store.append(record)
    ;(record as { user: string }).user = 'mallory'
    const [stored] = store.query()
    expect(stored!.user).toBe('alice')
    expect(Object.isFrozen(stored)).toBe(true)
  })
})
