import { tokens } from '../fixture.ts'
import type { Scenario } from '../types.ts'
import { allowed, bearer, denied, passed } from './expect.ts'

/** Which requests are Portcullis's to judge, however the path is spelled. */
export const pathScenarios: readonly Scenario[] = [
  {
    id: 'outside-prefix-passes',
    title: 'A path outside the protected prefix passes without credentials',
    request: { method: 'GET', target: '/status' },
    expect: passed,
  },
  {
    id: 'engine-disabled-passes',
    title: 'With the engine switched off, a protected path passes',
    config: { enabled: false },
    request: { method: 'GET', target: '/rest/api/2/myself' },
    expect: passed,
  },
  {
    id: 'custom-prefix',
    title: 'A configured prefix is protected and /rest/ is then outside it',
    config: { protectedPrefix: '/api/v1/' },
    request: { method: 'GET', target: '/api/v1/things', headers: [bearer(tokens.alice)] },
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'path-case-variant',
    title: 'A differently cased prefix is still protected',
    error: 'credentials_missing',
    request: { method: 'GET', target: '/REST/api/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'path-double-slash',
    title: 'Repeated slashes do not escape the prefix',
    error: 'credentials_missing',
    request: { method: 'GET', target: '//rest//api/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'path-dot-segments',
    title: 'A path with dot segments is refused: routers disagree on how to resolve them',
    error: 'path_invalid',
    request: { method: 'GET', target: '/rest/api/2/serverInfo/../myself' },
    expect: denied('path_invalid', 'none'),
  },
  {
    id: 'path-dot-segments-escaping-prefix',
    title: 'Dot segments that seem to leave the prefix are refused, not passed (Express and Koa route the raw path)',
    error: 'path_invalid',
    request: { method: 'GET', target: '/rest/secret/../../status' },
    expect: denied('path_invalid', 'none'),
  },
  {
    id: 'path-encoded-dots',
    title: 'Percent-encoded dot segments are refused too',
    error: 'path_invalid',
    request: { method: 'GET', target: '/status/%2e%2E/rest/api/2/myself' },
    expect: denied('path_invalid', 'none'),
  },
  {
    id: 'path-encoded-letters',
    title: 'Percent-encoded unreserved characters are decoded before matching',
    error: 'credentials_missing',
    request: { method: 'GET', target: '/%72%65st/api/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'path-matrix-parameter',
    title: 'A ;parameter on a segment does not hide the prefix',
    error: 'credentials_missing',
    request: { method: 'GET', target: '/rest;jsessionid=x/api/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'path-encoded-slash',
    title: 'An encoded slash is not a separator, yet a path a router could decode into the prefix stays protected',
    error: 'credentials_missing',
    request: { method: 'GET', target: '/rest%2Fapi/2/myself' },
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'path-bad-escape',
    title: 'A path with an invalid percent-escape is refused',
    error: 'path_invalid',
    request: { method: 'GET', target: '/rest/api/%zz' },
    expect: denied('path_invalid', 'none'),
  },
]
