import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './load.ts'

/** The problems `loadConfig` reports for `input`, as `path: message` lines. */
function problems(input: unknown): string[] {
  try {
    loadConfig(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`)
  }
  throw new Error('expected loadConfig to throw')
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('fills every setting for an empty config', () => {
      const { compiled, ...settings } = loadConfig({})
      expect(settings).toEqual({
        enabled: true,
        protectedPrefix: '/rest/',
        realm: 'portcullis',
        adminGroups: ['admins'],
        basicAuth: { passwords: true },
        hostTokens: { enabled: false, oauth: false },
        apiTokens: {
          enabled: true,
          allowUserCreation: true,
          maxValidity: 'never',
          maxPerUser: 10,
          permissions: { use: 'everyone', createForSelf: 'everyone', createForOthers: [] },
        },
        access: { allowedGroups: 'everyone', readOnlyGroups: [] },
        network: { allow: [], trustedProxies: [], clientAddressHeader: 'X-Forwarded-For' },
        paths: { bypass: [], anonymous: [], restricted: [] },
        rateLimit: { enabled: false, limit: 600, windowSeconds: 60, onStoreFailure: 'refuse' },
        passwordLockout: { maxFailures: 10, windowSeconds: 900, lockSeconds: 300 },
        restSso: { enabled: false, scope: 'openid' },
        jwt: { enabled: true, issuers: [], cacheSeconds: 300, cacheEntries: 10_000 },
        oauth: { enabled: true, usernameAttribute: 'username', clientCredentials: { clientIds: [] }, cacheSeconds: 60, negativeCacheSeconds: 10, cacheEntries: 10_000 },
        providers: { timeoutMs: 3000, jwksCooldownSeconds: 30, jwksMaxAgeSeconds: 600 },
        stores: { timeoutMs: 1000, cacheSeconds: 5, cacheEntries: 10_000 },
        audit: { enabled: true },
      })
      expect(compiled.prefixLength).toBe(1)
    })

    it('reads undefined and null as an empty config', () => {
      const { compiled: _a, ...empty } = loadConfig({})
      for (const input of [undefined, null]) {
        const { compiled, ...settings } = loadConfig(input)
        expect(settings).toEqual(empty)
        expect(compiled.prefixLength).toBe(1)
      }
    })

    it('keeps given settings and defaults the rest of their section', () => {
      const config = loadConfig({ apiTokens: { maxValidity: '1y', permissions: { use: ['api'] } } })
      expect(config.apiTokens).toEqual({
        enabled: true,
        allowUserCreation: true,
        maxValidity: '1y',
        maxPerUser: 10,
        permissions: { use: ['api'], createForSelf: 'everyone', createForOthers: [] },
      })
    })

    it('trims group names', () => {
      expect(loadConfig({ adminGroups: [' ops '] }).adminGroups).toEqual(['ops'])
    })
  })

  describe('freezing', () => {
    it('returns a deeply frozen config', () => {
      const config = loadConfig({ adminGroups: ['ops'], apiTokens: { permissions: { createForOthers: ['leads'] } } })
      expect(Object.isFrozen(config)).toBe(true)
      expect(Object.isFrozen(config.adminGroups)).toBe(true)
      expect(Object.isFrozen(config.basicAuth)).toBe(true)
      expect(Object.isFrozen(config.apiTokens)).toBe(true)
      expect(Object.isFrozen(config.apiTokens.permissions)).toBe(true)
      expect(Object.isFrozen(config.apiTokens.permissions.createForOthers)).toBe(true)
      expect(Object.isFrozen(config.compiled)).toBe(true)
      expect(Object.isFrozen(config.compiled.grants)).toBe(true)
    })

    it('throws on an attempt to change it', () => {
      const config = loadConfig({})
      expect(() => {
        ;(config as { enabled: boolean }).enabled = false
      }).toThrow(TypeError)
      expect(() => {
        ;(config.apiTokens as { maxPerUser: number }).maxPerUser = 1000
      }).toThrow(TypeError)
      expect(() => (config.adminGroups as string[]).push('everyone')).toThrow(TypeError)
      expect(config.enabled).toBe(true)
      expect(config.apiTokens.maxPerUser).toBe(10)
    })

    it("neither freezes nor changes the caller's object", () => {
      const input = { adminGroups: ['ops'], apiTokens: { maxPerUser: 3, permissions: { use: ['api'] } } }
      const copy = structuredClone(input)
      const config = loadConfig(input)
      expect(input).toEqual(copy)
      expect(Object.isFrozen(input)).toBe(false)
      expect(Object.isFrozen(input.adminGroups)).toBe(false)
      expect(Object.isFrozen(input.apiTokens.permissions.use)).toBe(false)
      input.adminGroups.push('later')
      expect(config.adminGroups).toEqual(['ops'])
    })

    it('gives independent results to independent loads', () => {
      const a = loadConfig({})
      const b = loadConfig({ adminGroups: ['ops'] })
      expect(a.adminGroups).toEqual(['admins'])
      expect(b.adminGroups).toEqual(['ops'])
      expect(loadConfig({}).adminGroups).toEqual(['admins'])
    })
  })

  describe('compiled matchers', () => {
    it('compiles the protected prefix', () => {
      const config = loadConfig({ protectedPrefix: '/api/v2/' })
      expect(config.compiled.prefixLength).toBe(2)
      expect(config.compiled.prefix(['API', 'v2', 'users'])).toBe(true)
      expect(config.compiled.prefix(['rest', 'api'])).toBe(false)
    })

    it('compiles grants: everyone as true, groups as a set', () => {
      const config = loadConfig({ adminGroups: ['ops', 'root'], apiTokens: { permissions: { use: ['api'], createForOthers: ['leads'] } } })
      expect(config.compiled.grants.use).toEqual(new Set(['api']))
      expect(config.compiled.grants.createForSelf).toBe(true)
      expect(config.compiled.grants.createForOthers).toEqual(new Set(['leads']))
      expect(config.compiled.adminGroups).toEqual(new Set(['ops', 'root']))
    })
  })

  describe('validation', () => {
    it('reports a bad value as "path: expected ..., got ..."', () => {
      expect(problems({ apiTokens: { maxPerUser: -1 } })).toEqual(['apiTokens.maxPerUser: expected a positive integer, got -1'])
    })

    it('lists every problem, each by its dotted path', () => {
      expect(
        problems({
          enabled: 'yes',
          protectedPrefix: 'rest',
          realm: 'a"b',
          adminGroups: 'admins',
          basicAuth: { passwords: 1 },
          hostTokens: { enabled: null },
          apiTokens: {
            enabled: 0,
            allowUserCreation: 'no',
            maxValidity: '3y',
            maxPerUser: 1.5,
            permissions: { use: 'all', createForSelf: ['devs', ' '], createForOthers: {} },
          },
          audit: { enabled: [] },
        }),
      ).toEqual([
        'enabled: expected true or false, got "yes"',
        'protectedPrefix: expected a path starting and ending with "/", such as "/rest/", got "rest"',
        'realm: expected no quote or backslash, got "a\\"b"',
        'adminGroups: expected a list of group names, got "admins"',
        'basicAuth.passwords: expected true or false, got 1',
        'hostTokens.enabled: expected true or false, got null',
        'apiTokens.enabled: expected true or false, got 0',
        'apiTokens.allowUserCreation: expected true or false, got "no"',
        'apiTokens.maxValidity: expected one of "6m", "1y", "2y", "never", got "3y"',
        'apiTokens.maxPerUser: expected a positive integer, got 1.5',
        'apiTokens.permissions.use: expected "everyone" or a list of group names, got "all"',
        'apiTokens.permissions.createForSelf.1: expected a non-empty group name, got ""',
        'apiTokens.permissions.createForOthers: expected "everyone" or a list of group names, got an object',
        'audit.enabled: expected true or false, got a list',
      ])
    })

    it('rejects numbers given as strings and out-of-range counts', () => {
      expect(problems({ apiTokens: { maxPerUser: '5' } })).toEqual(['apiTokens.maxPerUser: expected a positive integer, got "5"'])
      expect(problems({ apiTokens: { maxPerUser: 0 } })).toEqual(['apiTokens.maxPerUser: expected a positive integer, got 0'])
      expect(problems({ apiTokens: { maxPerUser: 10_001 } })).toEqual(['apiTokens.maxPerUser: expected at most 10000, got 10001'])
      expect(loadConfig({ apiTokens: { maxPerUser: 10_000 } }).apiTokens.maxPerUser).toBe(10_000)
    })

    it('names unknown fields at every level', () => {
      expect(problems({ enable: true })).toEqual(['(root): unknown field "enable"'])
      expect(problems({ basicAuth: { passwords: true, x: 1, y: 2 } })).toEqual(['basicAuth: unknown fields "x", "y"'])
      expect(problems({ apiTokens: { permissions: { delete: 'everyone' } } })).toEqual(['apiTokens.permissions: unknown field "delete"'])
    })

    it('asks for an object where a section is not one', () => {
      expect(problems('nope')).toEqual(['(root): expected an object, got "nope"'])
      expect(problems([])).toEqual(['(root): expected an object, got a list'])
      expect(problems({ audit: [] })).toEqual(['audit: expected an object, got a list'])
      expect(problems({ apiTokens: true })).toEqual(['apiTokens: expected an object, got true'])
      expect(problems({ apiTokens: { permissions: 'everyone' } })).toEqual(['apiTokens.permissions: expected an object, got "everyone"'])
    })

    it('checks the realm', () => {
      expect(problems({ realm: '' })).toEqual(['realm: expected 1 to 64 printable ASCII characters, got ""'])
      expect(problems({ realm: 'tab\there' })).toEqual(['realm: expected 1 to 64 printable ASCII characters, got "tab\\there"'])
      expect(problems({ realm: 'a\\b' })).toEqual(['realm: expected no quote or backslash, got "a\\\\b"'])
      expect(problems({ realm: 'x'.repeat(65) })).toEqual([`realm: expected 1 to 64 printable ASCII characters, got "${'x'.repeat(57)}..."`])
      expect(loadConfig({ realm: 'Jira REST' }).realm).toBe('Jira REST')
    })

    it("refuses the host's tokens beside an OAuth provider, which would take every token meant for them", () => {
      const oauth = { introspection: { endpoint: 'https://idp.example.com/introspect', clientId: 'portcullis', clientSecret: 's3cret' } }
      expect(problems({ oauth, hostTokens: { enabled: true, oauth: true } }).map((p) => p.slice(0, p.indexOf(':') + 22))).toEqual([
        'hostTokens.enabled: expected false while',
        'hostTokens.oauth: expected false while',
      ])
      expect(problems({ oauth: { userinfoEndpoint: 'https://idp.example.com/userinfo' }, hostTokens: { oauth: true } })).toHaveLength(1)
      expect(loadConfig({ oauth, hostTokens: { enabled: false } }).hostTokens.enabled).toBe(false)
      expect(loadConfig({ hostTokens: { enabled: true, oauth: true } }).hostTokens.oauth).toBe(true)
      expect(loadConfig({ oauth: { ...oauth, enabled: false }, hostTokens: { oauth: true } }).hostTokens.oauth).toBe(true)
    })

    it('checks the protected prefix', () => {
      expect(problems({ protectedPrefix: '/rest' })).toEqual(['protectedPrefix: expected a path starting and ending with "/", such as "/rest/", got "/rest"'])
      expect(problems({ protectedPrefix: '/rest//' })).toHaveLength(1)
      expect(problems({ protectedPrefix: '/re st/' })).toHaveLength(1)
      expect(problems({ protectedPrefix: 5 })).toEqual(['protectedPrefix: expected a path such as "/rest/", got 5'])
      expect(loadConfig({ protectedPrefix: '/' }).compiled.prefixLength).toBe(0)
    })
  })

  describe('ConfigError', () => {
    it('carries a code and lists the problems in its message, one per line', () => {
      let caught: unknown
      try {
        loadConfig({ apiTokens: { maxPerUser: -1 }, foo: 1 })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(Error)
      const error = caught as ConfigError
      expect(error.name).toBe('ConfigError')
      expect(error.code).toBe('ERR_PORTCULLIS_CONFIG')
      expect(error.message).toBe(
        'Invalid Portcullis configuration:\n  apiTokens.maxPerUser: expected a positive integer, got -1\n  (root): unknown field "foo"',
      )
      expect(error.problems).toEqual([
        { path: 'apiTokens.maxPerUser', message: 'expected a positive integer, got -1' },
        { path: '(root)', message: 'unknown field "foo"' },
      ])
    })
  })
})
