import { describe, expect, it } from 'vitest'
import { compilePrefix, normalizePath } from './path.ts'

describe('normalizePath', () => {
  it('splits a plain path into segments', () => {
    expect(normalizePath('/rest/api/2/myself')).toEqual(['rest', 'api', '2', 'myself'])
  })

  it('reads the root as no segments', () => {
    expect(normalizePath('/')).toEqual([])
  })

  it('drops the query and the fragment', () => {
    expect(normalizePath('/rest/api?os_password=secret&x=1')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api#frag')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api?a=/../../x')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest?')).toEqual(['rest'])
  })

  it('drops empty segments: //rest is /rest', () => {
    expect(normalizePath('//rest/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest//api///2/')).toEqual(['rest', 'api', '2'])
  })

  it('resolves dot segments', () => {
    expect(normalizePath('/x/../rest/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/./rest/./api')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api/..')).toEqual(['rest'])
  })

  it('does not climb above the root', () => {
    expect(normalizePath('/../../rest/api')).toEqual(['rest', 'api'])
  })

  it('resolves percent-encoded dot segments', () => {
    expect(normalizePath('/x/%2e%2e/rest/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/x/.%2E/rest/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/%2e/rest')).toEqual(['rest'])
  })

  it('decodes escapes of unreserved characters: /%72est is /rest', () => {
    expect(normalizePath('/%72est/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/%52%45%53%54/%61pi')).toEqual(['REST', 'api'])
    expect(normalizePath('/a%2Db%5Fc%7Ed%2E')).toEqual(['a-b_c~d.'])
  })

  it('keeps other escapes, with upper-case hex', () => {
    expect(normalizePath('/rest/a%20b')).toEqual(['rest', 'a%20b'])
    expect(normalizePath('/rest/a%3fb')).toEqual(['rest', 'a%3Fb'])
    expect(normalizePath('/rest/%25')).toEqual(['rest', '%25'])
    expect(normalizePath('/rest/%c3%a9')).toEqual(['rest', '%C3%A9'])
  })

  it('never decodes %2F into a separator', () => {
    expect(normalizePath('/rest%2Fapi')).toEqual(['rest%2Fapi'])
    expect(normalizePath('/rest%2fapi/x')).toEqual(['rest%2Fapi', 'x'])
    expect(normalizePath('/x/..%2F/rest')).toEqual(['x', '..%2F', 'rest'])
  })

  it('does not decode twice', () => {
    expect(normalizePath('/%2572est')).toEqual(['%2572est'])
  })

  it('cuts ;parameters from each segment: /rest;jsessionid=1 is /rest', () => {
    expect(normalizePath('/rest;jsessionid=1/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api;v=2;x=3/myself')).toEqual(['rest', 'api', 'myself'])
    expect(normalizePath('/x/..;/rest/api')).toEqual(['rest', 'api'])
    expect(normalizePath('/;x/rest')).toEqual(['rest'])
  })

  it('treats a backslash as a separator, as WHATWG URL parsing does for http', () => {
    expect(normalizePath('/rest\\api/2')).toEqual(['rest', 'api', '2'])
    expect(normalizePath('/x\\..\\rest/api/2/myself')).toEqual(['rest', 'api', '2', 'myself'])
    expect(normalizePath('\\rest/api')).toBeNull()
  })

  it('keeps case', () => {
    expect(normalizePath('/REST/Api')).toEqual(['REST', 'Api'])
  })

  it('returns null for a bad percent-escape', () => {
    expect(normalizePath('/rest/%zz')).toBeNull()
    expect(normalizePath('/rest/%2')).toBeNull()
    expect(normalizePath('/rest/%')).toBeNull()
    expect(normalizePath('/rest/%g0/x')).toBeNull()
    expect(normalizePath('/rest;%zz/x')).toEqual(['rest', 'x'])
  })

  it('reads an absolute-form target by its path', () => {
    expect(normalizePath('http://example.com/rest/api?x=1')).toEqual(['rest', 'api'])
    expect(normalizePath('HTTPS://example.com:8443//rest/../rest/api')).toEqual(['rest', 'api'])
  })

  it('returns null for a target that is neither origin- nor absolute-form', () => {
    expect(normalizePath('*')).toBeNull()
    expect(normalizePath('rest/api')).toBeNull()
    expect(normalizePath('')).toBeNull()
    expect(normalizePath('ftp://example.com/rest')).toBeNull()
    expect(normalizePath('example.com:443')).toBeNull()
    expect(normalizePath('http://user:pw@/rest')).toBeNull()
  })
})

describe('compilePrefix', () => {
  const rest = compilePrefix('/rest/')
  const matches = (target: string, matcher = rest) => matcher(normalizePath(target)!)

  it('matches paths under the prefix', () => {
    expect(matches('/rest/api/2/myself')).toBe(true)
    expect(matches('/rest/')).toBe(true)
    expect(matches('/rest')).toBe(true)
  })

  it('matches whole segments only', () => {
    expect(matches('/restricted/api')).toBe(false)
    expect(matches('/res/t')).toBe(false)
    expect(matches('/')).toBe(false)
    expect(matches('/api/rest/x')).toBe(false)
  })

  it('protects every spelling of the prefix', () => {
    for (const target of [
      '//rest/api',
      '/x/../rest/api',
      '/%72est/api',
      '/rest;jsessionid=1/api',
      '/REST/api',
      '/Rest/api',
      '/rest%2Fapi',
      '/rest%2fapi',
      '/%2Frest/api',
      '/rest%5Capi',
      '/rest\\api',
      '/x\\..\\rest/api',
      '/x%2F..%2Frest/api',
      '/x%5C..%5Crest/api',
      'http://example.com/rest/api',
    ]) {
      expect([target, matches(target)]).toEqual([target, true])
    }
  })

  it('matches a multi-segment prefix', () => {
    const api = compilePrefix('/api/v2/')
    expect(matches('/api/v2/users', api)).toBe(true)
    expect(matches('/API/V2', api)).toBe(true)
    expect(matches('/api%2Fv2/users', api)).toBe(true)
    expect(matches('/api/v1/users', api)).toBe(false)
    expect(matches('/api', api)).toBe(false)
  })

  it('matches everything for the root prefix', () => {
    const all = compilePrefix('/')
    expect(matches('/', all)).toBe(true)
    expect(matches('/anything/else', all)).toBe(true)
  })
})
