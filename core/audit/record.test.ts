import { describe, expect, it } from 'vitest'
import { escapeControl, requestFields } from './record.ts'

describe('escapeControl', () => {
  it('escapes control characters as \\xNN', () => {
    expect(escapeControl('a\nb\rc\td\x00e\x7f')).toBe('a\\x0ab\\x0dc\\x09d\\x00e\\x7f')
  })

  it('leaves printable and non-ASCII text alone', () => {
    expect(escapeControl('/rest/api/zoë ✓')).toBe('/rest/api/zoë ✓')
  })
})

describe('requestFields', () => {
  it('records the normalised path, never the query', () => {
    expect(requestFields(5, 'GET', ['rest', 'api'], '//rest/./api?os_password=x', '192.0.2.1')).toEqual({
      time: 5,
      method: 'GET',
      path: '/rest/api',
      client: '192.0.2.1',
    })
    expect(requestFields(5, 'GET', [], '/?x=1', 'c').path).toBe('/')
  })

  it('keeps an unnormalisable path up to its query or fragment', () => {
    expect(requestFields(5, 'GET', null, '/rest/%zz?os_password=x', 'c').path).toBe('/rest/%zz')
    expect(requestFields(5, 'GET', null, '/rest/%zz#os_password=x', 'c').path).toBe('/rest/%zz')
  })

  it('cuts ;parameters (a session id, say) from an unnormalisable path too', () => {
    expect(requestFields(5, 'GET', null, '/rest;jsessionid=s3cret/../api;x=1/%zz?q', 'c').path).toBe('/rest/../api/%zz')
  })

  it('never records a target that is not a path: it may carry user:password@', () => {
    expect(requestFields(5, 'GET', null, 'http://alice:hunter2@/rest', 'c').path).toBe('-')
    expect(requestFields(5, 'OPTIONS', null, '*', 'c').path).toBe('-')
  })

  it('escapes control characters in every text field', () => {
    expect(requestFields(5, 'G\nET', null, '/a\nb', 'x\ry')).toEqual({ time: 5, method: 'G\\x0aET', path: '/a\\x0ab', client: 'x\\x0dy' })
  })
})
