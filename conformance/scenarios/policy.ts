import { passwords, tokens } from '../fixture.ts'
import type { Scenario, ScenarioRequest } from '../types.ts'
import { allowed, basic, bearer, denied, passed } from './expect.ts'

const myself = '/rest/api/2/myself'
const get = (auth?: readonly [string, string], from?: string, extra: readonly (readonly [string, string])[] = []): ScenarioRequest => ({
  method: 'GET',
  target: myself,
  headers: [...(auth ? [auth] : []), ...extra],
  ...(from !== undefined && { from }),
})
const readOnly = { access: { readOnlyGroups: ['readers'] } }
const rateLimit = (limit: number) => ({ rateLimit: { enabled: true, limit, windowSeconds: 60 } })

/** Groups, read-only groups, IP restriction behind proxies, path lists and rate limits. */
export const policyScenarios: readonly Scenario[] = [
  {
    id: 'group-not-allowed',
    title: "With 'allow API access' on, a user outside the allowed groups is refused",
    error: 'group_not_allowed',
    config: { access: { allowedGroups: ['developers'] } },
    request: get(bearer(tokens.bob)),
    expect: denied('group_not_allowed', 'bearer'),
  },
  {
    id: 'group-not-allowed-password',
    title: 'The allowed groups apply to passwords as well',
    error: 'group_not_allowed',
    config: { access: { allowedGroups: ['developers'] } },
    request: get(basic('bob', passwords.bob)),
    expect: denied('group_not_allowed', 'basic'),
  },
  {
    id: 'group-allowed',
    title: 'A member of an allowed group passes',
    config: { access: { allowedGroups: ['developers'] } },
    request: get(bearer(tokens.alice)),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'read-only-write',
    title: 'A read-only group member may not write',
    error: 'read_only_write',
    config: readOnly,
    request: { method: 'POST', target: '/rest/api/2/issue', headers: [bearer(tokens.reader), ['Content-Type', 'application/json']], body: '{}' },
    expect: denied('read_only_write', 'bearer'),
  },
  {
    id: 'read-only-delete-password',
    title: 'Read-only applies to password logins too',
    error: 'read_only_write',
    config: readOnly,
    request: { method: 'DELETE', target: '/rest/api/2/issue/DEMO-1', headers: [basic('reader', passwords.reader)] },
    expect: denied('read_only_write', 'basic'),
  },
  {
    id: 'read-only-read',
    title: 'A read-only group member may read',
    config: readOnly,
    request: get(bearer(tokens.reader)),
    expect: allowed('reader', 'api-token'),
  },
  {
    id: 'read-only-token-api',
    title: 'The token API is exempt from read-only: it has its own permissions',
    config: readOnly,
    request: { method: 'POST', target: '/rest/auth/1/token', headers: [basic('reader', passwords.reader)], body: '{"name":"ro","validity":"1m"}' },
    expect: { status: 201, body: (b) => (b.includes('"owner":"reader"') ? undefined : 'expected a token owned by reader') },
  },
  {
    id: 'ip-not-allowed',
    title: 'A client outside the allowed addresses is refused, even with a valid token',
    error: 'ip_not_allowed',
    config: { network: { allow: ['127.0.0.1'] } },
    request: get(bearer(tokens.alice), '127.0.0.2'),
    expect: denied('ip_not_allowed', 'none'),
  },
  {
    id: 'ip-not-allowed-password',
    title: 'The IP restriction applies to passwords as well',
    error: 'ip_not_allowed',
    config: { network: { allow: ['127.0.0.1'] } },
    request: get(basic('alice', passwords.alice), '127.0.0.2'),
    expect: denied('ip_not_allowed', 'none'),
  },
  {
    id: 'ip-allowed-range',
    title: 'A client inside an allowed CIDR range passes',
    config: { network: { allow: ['10.0.0.0/8', '127.0.0.0/30'] } },
    request: get(bearer(tokens.alice), '127.0.0.3'),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'ip-proxy-trusted',
    title: 'Behind a trusted proxy, the client address comes from X-Forwarded-For',
    config: { network: { allow: ['203.0.113.0/24'], trustedProxies: ['127.0.0.1'] } },
    request: get(bearer(tokens.alice), '127.0.0.1', [['X-Forwarded-For', '203.0.113.9']]),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'ip-proxy-untrusted',
    title: 'X-Forwarded-For from a peer that is not a trusted proxy is not believed',
    error: 'ip_not_allowed',
    config: { network: { allow: ['203.0.113.0/24'], trustedProxies: ['127.0.0.1'] } },
    request: get(bearer(tokens.alice), '127.0.0.2', [['X-Forwarded-For', '203.0.113.9']]),
    expect: denied('ip_not_allowed', 'none'),
  },
  {
    id: 'ip-proxy-spoofed-left',
    title: 'A client cannot prepend an allowed address: the rightmost untrusted hop is the client',
    error: 'ip_not_allowed',
    config: { network: { allow: ['203.0.113.0/24'], trustedProxies: ['127.0.0.1'] } },
    request: get(bearer(tokens.alice), '127.0.0.1', [['X-Forwarded-For', '203.0.113.9, 198.51.100.1']]),
    expect: denied('ip_not_allowed', 'none'),
  },
  {
    id: 'ip-proxy-garbage',
    title: 'Garbage in X-Forwarded-For makes the client unknown, which an allowlist refuses',
    error: 'ip_not_allowed',
    config: { network: { allow: ['203.0.113.0/24'], trustedProxies: ['127.0.0.1'] } },
    request: get(bearer(tokens.alice), '127.0.0.1', [['X-Forwarded-For', '203.0.113.9, not-an-address']]),
    expect: denied('ip_not_allowed', 'none'),
  },
  {
    id: 'ip-proxy-real-ip',
    title: 'A configured X-Real-IP header is read as one address',
    config: { network: { allow: ['203.0.113.0/24'], trustedProxies: ['127.0.0.1'], clientAddressHeader: 'X-Real-IP' } },
    request: get(bearer(tokens.alice), '127.0.0.1', [['X-Real-IP', '203.0.113.9']]),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'bypass',
    title: 'A bypassed path passes without credentials',
    config: { paths: { bypass: ['/rest/api/2/serverInfo'] } },
    request: { method: 'GET', target: '/rest/api/2/serverInfo' },
    expect: passed,
  },
  {
    id: 'bypass-other-case',
    title: 'Another spelling of a bypassed path does not bypass',
    error: 'credentials_missing',
    config: { paths: { bypass: ['/rest/api/2/serverInfo'] } },
    request: { method: 'GET', target: '/rest/api/2/SERVERINFO' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'bypass-no-escape',
    title: 'A wildcard bypass cannot be ridden to another path with dot segments or an encoded slash',
    error: 'credentials_missing',
    config: { paths: { bypass: ['/rest/public/**'] } },
    request: { method: 'GET', target: '/rest/public/..%2F..%2Fapi/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'anonymous-path',
    title: "The host's public API passes without credentials",
    config: { paths: { anonymous: ['/rest/api/2/serverInfo'] } },
    request: { method: 'GET', target: '/rest/api/2/serverInfo' },
    expect: passed,
  },
  {
    id: 'anonymous-path-bad-credentials',
    title: 'Credentials sent to a public API are still checked',
    error: 'api_token_invalid',
    config: { paths: { anonymous: ['/rest/api/2/serverInfo'] } },
    request: { method: 'GET', target: '/rest/api/2/serverInfo', headers: [bearer(tokens.unknown)] },
    expect: denied('api_token_invalid', 'bearer'),
  },
  {
    id: 'public-api-restricted',
    title: 'A restricted public API requires authentication',
    error: 'public_api_restricted',
    config: { paths: { anonymous: ['/rest/api/2/**'], restricted: ['/rest/api/2/serverInfo'] } },
    request: { method: 'GET', target: '/rest/api/2/serverinfo' },
    expect: denied('public_api_restricted', 'none'),
  },
  {
    id: 'rate-limit-headers',
    title: 'An allowed request carries the remaining budget in the RateLimit headers',
    config: rateLimit(5),
    request: get(bearer(tokens.alice)),
    expect: { ...allowed('alice', 'api-token'), headers: { 'ratelimit-policy': '"default";q=5;w=60', ratelimit: '"default";r=4;t=60' } },
  },
  {
    id: 'rate-limited',
    title: 'Past the limit, a token gets 429 with Retry-After and the RateLimit headers',
    error: 'rate_limited',
    config: rateLimit(2),
    before: [get(bearer(tokens.alice)), get(bearer(tokens.alice))],
    request: get(bearer(tokens.alice)),
    expect: (() => {
      const d = denied('rate_limited', 'bearer')
      return { ...d, headers: { ...d.headers, 'retry-after': '60', 'ratelimit-policy': '"default";q=2;w=60', ratelimit: '"default";r=0;t=60' } }
    })(),
  },
  {
    id: 'rate-limit-per-token',
    title: "Each token has its own budget: another user's token is unaffected",
    config: rateLimit(1),
    before: [get(bearer(tokens.alice))],
    request: get(bearer(tokens.bob)),
    expect: allowed('bob', 'api-token'),
  },
]
