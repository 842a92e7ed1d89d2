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

  it('refuses dot segments instead of resolving them', () => {
    expect(normalizePath('/x/../rest/api')).toBeNull()
    expect(normalizePath('/./rest/./api')).toBeNull()
    expect(normalizePath('/rest/api/..')).toBeNull()
    expect(normalizePath('/rest/api/.')).toBeNull()
    expect(normalizePath('/rest/api/../')).toBeNull()
    expect(normalizePath('/rest/./api')).toBeNull()
    expect(normalizePath('/rest/api/2/myself/x/..')).toBeNull()
    expect(normalizePath('/.')).toBeNull()
    expect(normalizePath('/..')).toBeNull()
  })

  it('refuses dot segments above the root too', () => {
    expect(normalizePath('/../../rest/api')).toBeNull()
    expect(normalizePath('/../')).toBeNull()
  })

  it('refuses percent-encoded dot segments, in either hex case', () => {
    expect(normalizePath('/x/%2e%2e/rest/api')).toBeNull()
    expect(normalizePath('/x/.%2E/rest/api')).toBeNull()
    expect(normalizePath('/x/%2E./rest/api')).toBeNull()
    expect(normalizePath('/x/%2E%2e/rest/api')).toBeNull()
    expect(normalizePath('/x/%2e%2E/rest/api')).toBeNull()
    expect(normalizePath('/%2e/rest')).toBeNull()
    expect(normalizePath('/rest/%2E')).toBeNull()
  })

  it('reads a segment that only holds dots among other characters as a plain segment', () => {
    expect(normalizePath('/rest/.well-known/x')).toEqual(['rest', '.well-known', 'x'])
    expect(normalizePath('/rest/.../x')).toEqual(['rest', '...', 'x'])
    expect(normalizePath('/rest/%2e%2e%2e')).toEqual(['rest', '...'])
    expect(normalizePath('/rest/..x/a..b/x.')).toEqual(['rest', '..x', 'a..b', 'x.'])
    expect(normalizePath('/rest/.%2Fx')).toEqual(['rest', '.%2Fx'])
    expect(normalizePath('/rest/.%20')).toEqual(['rest', '.%20'])
  })

  it('does not look for dot segments in the query or the fragment', () => {
    expect(normalizePath('/rest/api?/../x')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api?x=.')).toEqual(['rest', 'api'])
    expect(normalizePath('/rest/api#/../..')).toEqual(['rest', 'api'])
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
    expect(normalizePath('/;x/rest')).toEqual(['rest'])
    expect(normalizePath('/rest/.x;y/z')).toEqual(['rest', '.x', 'z'])
  })

  it('refuses dot segments that routers resolve differently', () => {
    // `..;x` is `..` to a servlet container, a plain segment to WHATWG URL parsing.
    expect(normalizePath('/x/..;/rest/api')).toBeNull()
    expect(normalizePath('/rest/..;x/status')).toBeNull()
    expect(normalizePath('/rest/.;x/../status')).toBeNull()
    expect(normalizePath('/rest/%2e%2e;/status')).toBeNull()
    // `a//..` is `a/` to WHATWG URL parsing, `/` to a router that merges slashes.
    expect(normalizePath('/rest//../status')).toBeNull()
    expect(normalizePath('/rest/;x/../status')).toBeNull()
    expect(normalizePath('//../rest')).toBeNull()
    // `a%2Fb/..` is `/` here, `a/` to a router that decodes %2F.
    expect(normalizePath('/rest/a%2Fb/../../status')).toBeNull()
    expect(normalizePath('/rest/api/2/issue/1/x%2fy/../../../serverInfo')).toBeNull()
    expect(normalizePath('/rest/a%5Cb/..')).toBeNull()
  })

  it('refuses even the dot segments every router reads alike', () => {
    expect(normalizePath('/rest//api/../x')).toBeNull()
    expect(normalizePath('/rest/./../rest/x')).toBeNull()
    expect(normalizePath('/a%2Fb/x/../rest')).toBeNull()
    expect(normalizePath('/rest/a;p/../x')).toBeNull()
    expect(normalizePath('/rest/api/../api')).toBeNull()
    // Not a dot segment: the encoded slash is part of the segment.
    expect(normalizePath('/rest/..%2F/x')).toEqual(['rest', '..%2F', 'x'])
  })

  it('refuses a dot segment whatever else the target holds', () => {
    // A bad escape, a query or a fragment does not hide one.
    expect(normalizePath('/rest/../%zz')).toBeNull()
    expect(normalizePath('/rest/..?x=1')).toBeNull()
    expect(normalizePath('/rest/.#f')).toBeNull()
    expect(normalizePath('/REST/%2E%2E;jsessionid=1/API')).toBeNull()
  })

  it('treats a backslash as a separator, as WHATWG URL parsing does for http', () => {
    expect(normalizePath('/rest\\api/2')).toEqual(['rest', 'api', '2'])
    expect(normalizePath('/rest\\\\api\\/2\\myself\\')).toEqual(['rest', 'api', '2', 'myself'])
    expect(normalizePath('/rest\\api;x=1\\2')).toEqual(['rest', 'api', '2'])
    expect(normalizePath('\\rest/api')).toBeNull()
  })

  it('refuses a dot segment between backslashes, as between slashes', () => {
    expect(normalizePath('/x\\..\\rest/api/2/myself')).toBeNull()
    expect(normalizePath('/rest\\.\\api')).toBeNull()
    expect(normalizePath('/rest\\%2e%2e')).toBeNull()
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
    expect(normalizePath('HTTPS://example.com:8443//rest//api/')).toEqual(['rest', 'api'])
    expect(normalizePath('http://example.com/%72est;x=1/api#f')).toEqual(['rest', 'api'])
    expect(normalizePath('http://example.com')).toEqual([])
    expect(normalizePath('http://example.com?x=/rest')).toEqual([])
    expect(normalizePath('http://example.com\\rest\\api')).toEqual(['rest', 'api'])
  })

  it('reads an absolute-form target by the same rules as the origin form, not URL resolution', () => {
    expect(normalizePath('http://example.com/rest/%2e%2e;x/status')).toBeNull()
    expect(normalizePath('http://example.com/0//../rest/api')).toBeNull()
    expect(normalizePath('HTTPS://example.com:8443//rest/../rest/api')).toBeNull()
    expect(normalizePath('http://example.com/..')).toBeNull()
    expect(normalizePath('http://example.com\\.\\rest')).toBeNull()
    expect(normalizePath('http://example.com/rest;a/x')).toEqual(['rest', 'x'])
    expect(normalizePath('http://example.com/rest/a%20b')).toEqual(['rest', 'a%20b'])
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
      '/%72est/api',
      '/rest;jsessionid=1/api',
      '/REST/api',
      '/Rest/api',
      '/rest%2Fapi',
      '/rest%2fapi',
      '/%2Frest/api',
      '/rest%5Capi',
      '/rest\\api',
      '/x%2F..%2Frest/api',
      '/x%5C..%5Crest/api',
      'http://example.com/rest/api',
    ]) {
      expect([target, matches(target)]).toEqual([target, true])
    }
  })

  it('never sees a dot-segment spelling: normalizePath refuses it first', () => {
    for (const target of ['/x/../rest/api', '/x\\..\\rest/api', '/./rest/api', '/%2e%2e/rest/api']) {
      expect([target, normalizePath(target)]).toEqual([target, null])
    }
  })

  it('protects a path whose decoded separators make a dot segment (that reading is refused)', () => {
    for (const target of ['/x%2F..%2Fstatus', '/static/..%2F', '/static%2F.', '/public/a%5C..%5C..%5Cx', '/x/%2F%2e%2e%2Fy', '/x/.%2Frest']) {
      expect([target, normalizePath(target) !== null, matches(target)]).toEqual([target, true, true])
    }
  })

  it('leaves outside a path whose decoded separators stay outside the prefix', () => {
    for (const target of ['/static/a%2Fb', '/x%2Frest/api', '/public/a%5Cb', '/x/a.%2Frest']) {
      expect([target, matches(target)]).toEqual([target, false])
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
