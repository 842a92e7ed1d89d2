import { describe, expect, it } from 'vitest'
import { catalog, type ErrorId } from '../../core/index.ts'
import { fixture, passwords, seedMemoryStores, tokens } from '../fixture.ts'
import { scenarios } from './index.ts'

describe('conformance scenarios', () => {
  it('exercise every error of the catalog, so every adapter is held to each response', () => {
    const exercised = new Set(scenarios.map((s) => s.error).filter((id) => id !== undefined))
    const missing = (Object.keys(catalog) as ErrorId[]).filter((id) => !exercised.has(id))
    expect(missing).toEqual([])
  })

  it('have unique ids', () => {
    const ids = scenarios.map((s) => s.id)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
  })
})

describe('seedMemoryStores with unreachable stores', () => {
  it('makes every method of the named stores throw, naming the store, and leaves the others working', async () => {
    const stores = await seedMemoryStores({ ...fixture, unreachable: ['tokens', 'rateLimit'] })
    expect(() => stores.tokens.findByHash('x')).toThrow('stores.tokens: unreachable (conformance fixture)')
    expect(() => stores.rateLimit.consume('k', 1, 1000, 0)).toThrow('stores.rateLimit: unreachable')
    expect(await stores.users.find('alice')).toMatchObject({ username: 'alice' })
  })

  it('still seeds the stores it does not name', async () => {
    const stores = await seedMemoryStores({ ...fixture, unreachable: ['rateLimit'] })
    const alice = fixture.tokens.find((t) => t.token === tokens.alice)!
    expect(stores.tokens.findByHash(alice.hash)).toMatchObject({ id: alice.id, owner: 'alice' })
    expect(await stores.users.verifyPassword('alice', passwords.alice)).toBe(true)
    expect(() => stores.rateLimit.consume('k', 1, 1000, 0)).toThrow('stores.rateLimit: unreachable')
  })
})
