import { beforeEach, describe, expect, it } from 'vitest'
import type { TokenRecord } from '../types.ts'
import { MemoryTokenStore } from './tokens.ts'

let serial = 0
const record = (fields: Partial<TokenRecord> = {}): TokenRecord => {
  serial++
  return {
    id: `id${serial}`,
    hash: serial.toString(16).padStart(64, '0'),
    owner: 'alice',
    name: `token ${serial}`,
    createdAt: 1000 + serial,
    expiresAt: null,
    createdBy: 'alice',
    ...fields,
  }
}

describe('MemoryTokenStore', () => {
  let store: MemoryTokenStore

  beforeEach(() => {
    store = new MemoryTokenStore()
  })

  it('finds an inserted token by hash and by id', () => {
    const r = record()
    expect(store.insert(r, 10)).toBe('inserted')
    expect(store.findByHash(r.hash)).toEqual(r)
    expect(store.findById(r.id)).toEqual(r)
    expect(store.findByHash('0'.repeat(64))).toBeUndefined()
    expect(store.findById('nope')).toBeUndefined()
  })

  it("keeps a frozen copy, untouched by changes to the caller's object", () => {
    const r = { ...record() }
    store.insert(r, 10)
    ;(r as { owner: string }).owner = 'mallory'
    const stored = store.findById(r.id)!
    expect(stored.owner).toBe('alice')
    expect(Object.isFrozen(stored)).toBe(true)
  })

  it('refuses an insert beyond maxPerUser for that owner only', () => {
    expect(store.insert(record(), 2)).toBe('inserted')
    expect(store.insert(record(), 2)).toBe('inserted')
    const third = record()
    expect(store.insert(third, 2)).toBe('limit-reached')
    expect(store.findById(third.id)).toBeUndefined()
    expect(store.insert(record({ owner: 'bob' }), 2)).toBe('inserted')
    expect(store.insert(record(), 3)).toBe('inserted')
  })

  it('throws a TypeError for a duplicate id or hash', () => {
    const r = record()
    store.insert(r, 10)
    expect(() => store.insert({ ...record(), id: r.id }, 10)).toThrow(TypeError)
    expect(() => store.insert({ ...record(), hash: r.hash }, 10)).toThrow(TypeError)
    expect(store.listByOwner('alice')).toHaveLength(1)
  })

  it("lists one owner's tokens, oldest first", () => {
    const late = record({ createdAt: 300 })
    const early = record({ createdAt: 100 })
    const middle = record({ createdAt: 200 })
    for (const r of [late, early, middle, record({ owner: 'bob' })]) store.insert(r, 10)
    expect(store.listByOwner('alice').map((r) => r.id)).toEqual([early.id, middle.id, late.id])
    expect(store.listByOwner('carol')).toEqual([])
  })

  it('deletes by id from both indexes', () => {
    const r = record()
    store.insert(r, 10)
    expect(store.delete(r.id)).toBe(true)
    expect(store.findById(r.id)).toBeUndefined()
    expect(store.findByHash(r.hash)).toBeUndefined()
    expect(store.delete(r.id)).toBe(false)
    expect(store.insert({ ...r }, 10)).toBe('inserted')
  })

  it('deletes tokens expired at or before the instant, of one owner or of all', () => {
    const before = record({ expiresAt: 99 })
    const exact = record({ expiresAt: 100 })
    const after = record({ expiresAt: 101 })
    const never = record({ expiresAt: null })
    const bobs = record({ owner: 'bob', expiresAt: 50 })
    for (const r of [before, exact, after, never, bobs]) store.insert(r, 10)
    expect(store.deleteExpired(100, 'alice').map((r) => r.id).sort()).toEqual([before.id, exact.id].sort())
    expect(store.listByOwner('alice').map((r) => r.id)).toEqual([after.id, never.id])
    expect(store.findById(bobs.id)).toBeDefined()
    expect(store.deleteExpired(1_000_000).map((r) => r.id).sort()).toEqual([after.id, bobs.id].sort())
    expect(store.listByOwner('alice').map((r) => r.id)).toEqual([never.id])
    expect(store.findByHash(after.hash)).toBeUndefined()
    expect(store.deleteExpired(Number.MAX_SAFE_INTEGER)).toEqual([])
  })
})
