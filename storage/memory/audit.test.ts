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

  it('keeps a copy: a later change by the caller does not rewrite the log, and what it answers is frozen', () => {
    const store = new MemoryAuditStore()
    const record = { ...entry(1, { tokenId: 't1', degraded: true }) }
    store.append(record)
    ;(record as { user: string }).user = 'mallory'
    const [stored] = store.query()
    expect(stored).toEqual({ ...entry(1, { tokenId: 't1', degraded: true }) })
    expect(Object.isFrozen(stored)).toBe(true)
  })

  it('answers exactly the fields a record had', () => {
    const store = new MemoryAuditStore()
    const bare = entry(1)
    const full = entry(2, { outcome: 'forbidden', reason: 'group_not_allowed', detail: 'why', owner: 'bob', via: 'jwt', tokenId: 't2', degraded: true })
    store.append(bare)
    store.append(full)
    const [second, first] = store.query()
    expect(first).toEqual(bare)
    expect(Object.keys(first!).sort()).toEqual(Object.keys(bare).sort())
    expect(second).toEqual(full)
  })

  it('prunes a ring that has wrapped, and goes on wrapping after', () => {
    const store = new MemoryAuditStore({ maxEntries: 3 })
    for (let time = 1; time <= 5; time++) store.append(entry(time, { user: `u${time}` }))
    expect(store.prune({ keep: 2 })).toBe(1)
    expect(store.query().map((r) => [r.time, r.user])).toEqual([[5, 'u5'], [4, 'u4']])
    for (let time = 6; time <= 7; time++) store.append(entry(time, { user: `u${time}` }))
    expect(store.query().map((r) => [r.time, r.user])).toEqual([[7, 'u7'], [6, 'u6'], [5, 'u5']])
  })

  describe('prune', () => {
    const times = (store: MemoryAuditStore) => store.query().map((r) => r.time)
    const filled = (...list: number[]) => {
      const store = new MemoryAuditStore()
      for (const time of list) store.append(entry(time))
      return store
    }

    it('removes records older than `before`, keeping those at that instant', () => {
      const store = filled(10, 20, 30, 40)
      expect(store.prune({ before: 30 })).toBe(2)
      expect(times(store)).toEqual([40, 30])
      expect(store.prune({ before: 30 })).toBe(0)
      expect(store.prune({ before: 1_000 })).toBe(2)
      expect(times(store)).toEqual([])
    })

    it('keeps only the newest `keep` records', () => {
      const store = filled(10, 20, 30, 40, 50)
      expect(store.prune({ keep: 2 })).toBe(3)
      expect(times(store)).toEqual([50, 40])
      expect(store.prune({ keep: 2 })).toBe(0)
      expect(store.prune({ keep: 10 })).toBe(0)
      expect(store.prune({ keep: 0 })).toBe(2)
      expect(times(store)).toEqual([])
    })

    it('applies both, counting each record removed once', () => {
      expect(filled(10, 20, 30, 40, 50).prune({ before: 25, keep: 2 })).toBe(3)
      const byAge = filled(10, 20, 30, 40, 50)
      expect(byAge.prune({ before: 45, keep: 3 })).toBe(4)
      expect(times(byAge)).toEqual([50])
      const byCount = filled(10, 20, 30, 40, 50)
      expect(byCount.prune({ before: 15, keep: 2 })).toBe(3)
      expect(times(byCount)).toEqual([50, 40])
    })

    it('removes nothing when given nothing, or from an empty store', () => {
      const store = filled(10, 20)
      expect(store.prune({})).toBe(0)
      expect(times(store)).toEqual([20, 10])
      expect(new MemoryAuditStore().prune({ before: 100, keep: 1 })).toBe(0)
    })

    it('keeps appending and querying normally afterwards', () => {
      const store = filled(10, 20, 30)
      store.prune({ keep: 1 })
      store.append(entry(40, { user: 'bob' }))
      expect(times(store)).toEqual([40, 30])
      expect(store.query({ user: 'bob' }).map((r) => r.time)).toEqual([40])
    })
  })
})
