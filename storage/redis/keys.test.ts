import { describe, expect, it } from 'vitest'
import { redisKeys } from './keys.ts'

const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1]

describe('redisKeys', () => {
  it('puts the keys each script touches together under one hash tag', () => {
    const k = redisKeys('app')
    expect(new Set([k.tokenByHash('ab'), k.tokenById('x'), k.tokensOfOwner('alice'), k.tokenExpiry].map(tag))).toEqual(new Set(['app:tokens']))
    expect(new Set([k.user('alice'), k.userByEmail('a@example.com')].map(tag))).toEqual(new Set(['app:users']))
    expect(tag(k.auditLog)).toBe('app:audit')
    expect(new Set([k.loginFailures('user:alice'), k.loginAttempts('user:alice'), k.loginLock('user:alice'), k.loginLock('client:2001:db8::1')].map(tag))).toEqual(new Set(['app:login']))
  })

  it('leaves rate-limit keys untagged, so they spread over a cluster', () => {
    expect(redisKeys('app').rate('token:abc')).toBe('app:rate:token:abc')
  })

  it('keeps user-supplied parts out of the tag', () => {
    const k = redisKeys('app')
    expect(tag(k.tokensOfOwner('{evil}'))).toBe('app:tokens')
    expect(tag(k.user('{evil}'))).toBe('app:users')
    expect(tag(k.loginLock('user:{evil}'))).toBe('app:login')
  })

  it('refuses a prefix that would break the tags or the key space', () => {
    for (const prefix of ['', '{app}', 'a b', 'a*', 'x'.repeat(65)]) {
      expect(() => redisKeys(prefix)).toThrow(expect.objectContaining({ code: 'ERR_PORTCULLIS_REDIS_PREFIX' }))
    }
  })
})
