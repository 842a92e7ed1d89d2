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

  it("passes the host's token verifiers through, and leaves them out when not given", () => {
    const verifier = (token: string) => (token === 'ok' ? 'alice' : undefined)
    const oauthVerifier = (token: string) => (token === 'ok' ? 'bob' : undefined)
    const stores = memoryStores({ hostTokens: verifier, hostOAuthTokens: oauthVerifier })
    expect([stores.hostTokens, stores.hostOAuthTokens]).toEqual([verifier, oauthVerifier])
    expect(['hostTokens' in memoryStores(), 'hostOAuthTokens' in memoryStores()]).toEqual([false, false])
  })
})
