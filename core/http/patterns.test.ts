import { describe, expect, it } from 'vitest'
import { normalizePath } from './path.ts'
import { compilePatterns, isValidPattern } from './patterns.ts'

describe('isValidPattern', () => {
  it('accepts literal paths, "*" segments and a trailing "**"', () => {
    for (const p of ['/rest/api/2/serverInfo', '/rest/api/2/serverInfo/', '/rest/*/2/myself', '/rest/public/**', '/**', '/', '/rest/*', '/rest/a%20b', '/rest/api;v=2/x', '//rest//api/', '/rest\\api', '/rest/.well-known/**', '/rest/a..b/...']) {
      expect([p, isValidPattern(p)]).toEqual([p, true])
    }
  })

  it('refuses "**" anywhere but the last segment', () => {
    expect(isValidPattern('/rest/**/myself')).toBe(false)
    expect(isValidPattern('/**/rest')).toBe(false)
    expect(isValidPattern('/rest/**/**')).toBe(false)
  })

  it('refuses a wildcard inside a segment', () => {
    for (const p of ['/rest/a*b', '/rest/api*', '/rest/*api', '/rest/***', '/rest/**x', '/rest/x**']) expect([p, isValidPattern(p)]).toEqual([p, false])
  })

  it('refuses a query or fragment', () => {
    expect(isValidPattern('/rest/api?x=1')).toBe(false)
    expect(isValidPattern('/rest/api?')).toBe(false)
    expect(isValidPattern('/rest/api#x')).toBe(false)
  })

  it('refuses a dot segment in any spelling: normalizePath refuses it', () => {
    for (const p of [
      '/rest/./api',
      '/rest/../x',
      '/x/../rest/api/2/serverInfo',
      '//rest/./api/x/../2/serverInfo',
      '/rest/api/..',
      '/rest/.',
      '/.',
      '/../**',
      '/rest/%2e%2E/x',
      '/rest/%2E/x',
      '/rest/.%2e',
      '/rest/..;x/y',
      '/rest/.;v=1/*',
      '/rest\\..\\x',
    ]) {
      expect([p, isValidPattern(p)]).toEqual([p, false])
    }
  })

  it('must start with "/" and be normalisable', () => {
    for (const p of ['rest/api', '', '*', '**', 'http://example.com/rest/api', '\\rest', '/rest/%zz', '/rest/%2']) expect([p, isValidPattern(p)]).toEqual([p, false])
  })
})

describe('compilePatterns', () => {
  const test = (patterns: string[], mode: 'lets-through' | 'demands-auth', target: string) => compilePatterns(patterns, mode)(normalizePath(target)!)
  const through = (patterns: string[], target: string) => test(patterns, 'lets-through', target)
  const demands = (patterns: string[], target: string) => test(patterns, 'demands-auth', target)

  it('matches a literal pattern exactly, whole segments only', () => {
    const list = ['/rest/api/2/serverInfo']
    expect(through(list, '/rest/api/2/serverInfo')).toBe(true)
    expect(through(list, '/rest/api/2/serverInfo?x=1')).toBe(true)
    expect(through(list, '/rest/api/2/serverInfo/x')).toBe(false)
    expect(through(list, '/rest/api/2')).toBe(false)
    expect(through(list, '/rest/api/2/serverInfoX')).toBe(false)
    expect(through(list, '/x/rest/api/2/serverInfo')).toBe(false)
  })

  it('matches "*" as exactly one segment', () => {
    const list = ['/rest/*/2/myself']
    expect(through(list, '/rest/api/2/myself')).toBe(true)
    expect(through(list, '/rest/other/2/myself')).toBe(true)
    expect(through(list, '/rest/2/myself')).toBe(false)
    expect(through(list, '/rest/a/b/2/myself')).toBe(false)
    expect(through(['/rest/*'], '/rest')).toBe(false)
  })

  it('matches a trailing "**" as any number of segments, including none', () => {
    const list = ['/public/**']
    expect(through(list, '/public')).toBe(true)
    expect(through(list, '/public/')).toBe(true)
    expect(through(list, '/public/a')).toBe(true)
    expect(through(list, '/public/a/b/c')).toBe(true)
    expect(through(list, '/publicity')).toBe(false)
    expect(through(list, '/')).toBe(false)
    expect(through(['/**'], '/')).toBe(true)
    expect(through(['/**'], '/anything/at/all')).toBe(true)
  })

  it('matches anything in any pattern of the list, and nothing when empty', () => {
    const list = ['/rest/api/2/serverInfo', '/public/**']
    expect(through(list, '/public/x')).toBe(true)
    expect(through(list, '/rest/api/2/serverInfo')).toBe(true)
    expect(through(list, '/rest/api/2/myself')).toBe(false)
    expect(through([], '/rest/api/2/serverInfo')).toBe(false)
    expect(demands([], '/')).toBe(false)
  })

  it('normalises the patterns: a trailing slash, repeated slashes, backslashes, ;params and escapes do not matter', () => {
    for (const pattern of ['/rest/api/2/serverInfo/', '//rest//api///2/serverInfo', '/rest\\api\\2/serverInfo', '/rest/api;v=1/2/serverInfo', '/rest/%61pi/2/serverInfo']) {
      expect([pattern, through([pattern], '/rest/api/2/serverInfo')]).toEqual([pattern, true])
    }
  })

  it('matches requests on their normalised path', () => {
    const list = ['/rest/api/2/serverInfo']
    for (const target of ['//rest/api/2/serverInfo', '/rest//api/2/serverInfo/', '/%72est/api/2/serverInfo', '/rest;a=b/api/2/serverInfo', '/rest\\api\\2\\serverInfo', 'http://example.com/rest/api/2/serverInfo?x=1']) {
      expect([target, through(list, target)]).toEqual([target, true])
    }
  })

  it('never sees a request with a dot segment: it is null before matching', () => {
    for (const target of ['/rest/./api/2/serverInfo/', '/x/../rest/api/2/serverInfo', '/rest/api/2/serverInfo/.', '/rest/api/2/myself/../serverInfo', '/public/%2e%2e/rest/api', '/public/..;x/rest']) {
      expect([target, normalizePath(target)]).toEqual([target, null])
    }
  })

  describe('lets-through lists (bypass, anonymous)', () => {
    it('match case-sensitively', () => {
      expect(through(['/rest/api/2/serverInfo'], '/rest/api/2/serverinfo')).toBe(false)
      expect(through(['/rest/api/2/serverInfo'], '/REST/api/2/serverInfo')).toBe(false)
      expect(through(['/public/**'], '/Public/x')).toBe(false)
    })

    it('never match a path holding an encoded slash or backslash', () => {
      for (const target of ['/public/a%2Fb', '/public/a%2fb', '/public/%2F..%2F..%2Frest/api/2/myself', '/public/a%5Cb', '/public/x/%5c']) {
        expect([target, through(['/public/**'], target)]).toEqual([target, false])
      }
      expect(through(['/public/*'], '/public/a%2Fb')).toBe(false)
      expect(through(['/**'], '/a%2Fb')).toBe(false)
    })

    it('still match other escapes, which the pattern spells the same way', () => {
      expect(through(['/public/a%20b'], '/public/a%20b')).toBe(true)
      expect(through(['/public/a%20b'], '/public/a%20B')).toBe(false)
      expect(through(['/public/**'], '/public/a%3Fb')).toBe(true)
    })
  })

  describe('demands-auth lists (restricted)', () => {
    it('match case-insensitively, catching every spelling', () => {
      const list = ['/rest/api/2/serverInfo']
      for (const target of ['/rest/api/2/serverInfo', '/rest/api/2/serverinfo', '/REST/API/2/SERVERINFO', '/%52est/api/2/serverInfo']) {
        expect([target, demands(list, target)]).toEqual([target, true])
      }
      expect(demands(['/REST/Public/**'], '/rest/public/x')).toBe(true)
    })

    it('match paths with encoded separators too', () => {
      expect(demands(['/public/**'], '/public/a%2Fb')).toBe(true)
      expect(demands(['/public/*'], '/public/a%5Cb')).toBe(true)
    })

    it('use the same wildcard semantics', () => {
      expect(demands(['/rest/*/2/myself'], '/rest/API/2/Myself')).toBe(true)
      expect(demands(['/rest/*/2/myself'], '/rest/2/myself')).toBe(false)
    })
  })

  it('throws a TypeError for a pattern that is not valid', () => {
    expect(() => compilePatterns(['/ok', '/rest/**/x'], 'lets-through')).toThrow(TypeError)
    expect(() => compilePatterns(['rest'], 'demands-auth')).toThrow('invalid path pattern: rest')
  })

  it('throws a TypeError for a pattern with a dot segment, in either mode', () => {
    for (const mode of ['lets-through', 'demands-auth'] as const) {
      expect(() => compilePatterns(['/ok', '//rest/./api/x/../2/serverInfo'], mode)).toThrow('invalid path pattern: //rest/./api/x/../2/serverInfo')
      expect(() => compilePatterns(['/public/%2e%2e/**'], mode)).toThrow(TypeError)
    }
  })
})
