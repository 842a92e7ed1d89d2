import { describe, expect, it } from 'vitest'
import { MemoryAuditStore, MemoryTokenStore, MemoryUserDirectory, memoryStores } from './index.ts'

describe('memoryStores', () => {
  it('builds a fresh, independent set of stores', async () => {
    const a = memoryStores({ passwordIterations: 1000 })
    const b = memoryStores({ passwordIterations: 1000 })
    expect(a.tokens).toBeInstanceOf(MemoryTokenStore)
    expect(a.users).toBeInstanceOf(MemoryUserDirectory)
    expect(a.audit).toBeInstanceOf(MemoryAuditStore)
    await a.users.add({ username: 'alice', password: 'pw' })
    expect(b.users.find('alice')).toBeUndefined()
    expect(await a.users.verifyPassword('alice', 'pw')).toBe(true)
  })

  it('passes the host token verifier through, and leaves it out when not given', () => {
    const verifier = (token: string) => (token === 'ok' ? 'alice' : undefined)
    expect(memoryStores({ hostTokens: verifier }).hostTokens).toBe(verifier)
    expect('hostTokens' in memoryStores()).toBe(false)
  })
})
