import { describe, expect, it } from 'vitest'
import { rateLimitHeaders, rateLimitPolicy, rateLimitKey } from './rate-limit.ts'

describe('rateLimitKey', () => {
  it('counts by token when one was used, by user otherwise', () => {
    expect(rateLimitKey('alice', 'tok1')).toBe('token:tok1')
    expect(rateLimitKey('alice', undefined)).toBe('user:alice')
  })

  it('keeps the two key spaces apart', () => {
    expect(rateLimitKey('x', undefined)).not.toBe(rateLimitKey('y', 'x'))
  })
})

describe('rateLimitHeaders', () => {
  it('writes the policy and the remaining budget of an allowed request, without Retry-After', () => {
    expect(rateLimitHeaders({ allowed: true, remaining: 7, resetMs: 42_000 }, rateLimitPolicy(10, 60))).toEqual({
      'ratelimit-policy': '"default";q=10;w=60',
      ratelimit: '"default";r=7;t=42',
    })
  })

  it('rounds the reset up to whole seconds', () => {
    expect(rateLimitHeaders({ allowed: true, remaining: 0, resetMs: 1 }, rateLimitPolicy(1, 1)).ratelimit).toBe('"default";r=0;t=1')
    expect(rateLimitHeaders({ allowed: true, remaining: 3, resetMs: 59_001 }, rateLimitPolicy(10, 60)).ratelimit).toBe('"default";r=3;t=60')
    expect(rateLimitHeaders({ allowed: true, remaining: 3, resetMs: 60_000 }, rateLimitPolicy(10, 60)).ratelimit).toBe('"default";r=3;t=60')
  })

  it('never writes a negative reset', () => {
    expect(rateLimitHeaders({ allowed: true, remaining: 9, resetMs: 0 }, rateLimitPolicy(10, 60)).ratelimit).toBe('"default";r=9;t=0')
    expect(rateLimitHeaders({ allowed: true, remaining: 9, resetMs: -5 }, rateLimitPolicy(10, 60)).ratelimit).toBe('"default";r=9;t=0')
  })

  it('adds Retry-After to a refusal: the seconds until a slot frees', () => {
    expect(rateLimitHeaders({ allowed: false, remaining: 0, resetMs: 12_300 }, rateLimitPolicy(10, 60))).toEqual({
      'ratelimit-policy': '"default";q=10;w=60',
      ratelimit: '"default";r=0;t=13',
      'retry-after': '13',
    })
  })

  it('never tells a refused client to retry in less than one second', () => {
    expect(rateLimitHeaders({ allowed: false, remaining: 0, resetMs: 0 }, rateLimitPolicy(10, 60))['retry-after']).toBe('1')
    expect(rateLimitHeaders({ allowed: false, remaining: 0, resetMs: -1 }, rateLimitPolicy(10, 60))['retry-after']).toBe('1')
    expect(rateLimitHeaders({ allowed: false, remaining: 0, resetMs: 1 }, rateLimitPolicy(10, 60))['retry-after']).toBe('1')
  })

  it('writes header names in lower case and values as plain ASCII', () => {
    for (const headers of [rateLimitHeaders({ allowed: false, remaining: 0, resetMs: 5_000 }, rateLimitPolicy(600, 86_400)), rateLimitHeaders({ allowed: true, remaining: 599, resetMs: 86_400_000 }, rateLimitPolicy(600, 86_400))]) {
      for (const [name, value] of Object.entries(headers)) {
        expect(name).toBe(name.toLowerCase())
        expect(value).toMatch(/^[\x20-\x7e]+$/)
      }
    }
  })
})
