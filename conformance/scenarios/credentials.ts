import { tokens } from '../fixture.ts'
import type { Scenario } from '../types.ts'
import { allowed, base64, basic, bearer, denied } from './expect.ts'

const myself = '/rest/api/2/myself'
const get = (headers: readonly (readonly [string, string])[] = []) => ({ method: 'GET', target: myself, headers })

/** Missing, malformed and unsupported credentials: one strict reading on every adapter. */
export const credentialScenarios: readonly Scenario[] = [
  {
    id: 'credentials-missing',
    title: 'No Authorization header on a protected path is 401 with a bare Bearer challenge',
    error: 'credentials_missing',
    request: get(),
    expect: denied('credentials_missing', 'none'),
  },
  {
    id: 'scheme-unsupported',
    title: 'A scheme other than Bearer or Basic is refused',
    error: 'scheme_unsupported',
    request: get([['Authorization', 'Digest username="alice", realm="x"']]),
    expect: denied('scheme_unsupported', 'none'),
  },
  {
    id: 'scheme-case-insensitive',
    title: 'The scheme name is case-insensitive (RFC 9110)',
    request: get([['Authorization', `bEARER ${tokens.alice}`]]),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'bearer-without-token',
    title: '"Bearer" with no token is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', 'Bearer']]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'bearer-not-token68',
    title: 'A Bearer value outside the token68 syntax is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', 'Bearer abc def']]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'authorization-duplicated',
    title: 'Two Authorization headers are malformed, even when each alone is valid',
    error: 'credentials_malformed',
    request: get([bearer(tokens.alice), bearer(tokens.alice)]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'authorization-duplicated-mixed',
    title: 'A Basic and a Bearer header together are malformed',
    error: 'credentials_malformed',
    request: get([basic('bob', tokens.bob), bearer(tokens.alice)]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'authorization-oversized',
    title: 'An Authorization header over 8192 bytes is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', `Bearer ${'a'.repeat(9000)}`]]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'authorization-non-ascii',
    title: 'A non-ASCII byte in the Authorization header is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', `Bearer ${tokens.alice.slice(0, -1)}\u00e9`]]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-bad-base64',
    title: 'Basic with characters outside base64 is malformed (never silently skipped)',
    error: 'credentials_malformed',
    request: get([['Authorization', `Basic ${base64(new TextEncoder().encode(`alice:${tokens.alice}`)).slice(0, 8)}*${base64(new TextEncoder().encode(`alice:${tokens.alice}`)).slice(9)}`]]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-unpadded-base64',
    title: 'Basic without its base64 padding is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', 'Basic YWxpY2U6eA']]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-non-canonical-base64',
    title: 'Basic whose base64 has non-zero padding bits is malformed (two spellings, one credential)',
    error: 'credentials_malformed',
    request: get([['Authorization', 'Basic YWxpY2U6eB==']]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-invalid-utf8',
    title: 'Basic credentials that are not valid UTF-8 are malformed (no lenient decoding)',
    error: 'credentials_malformed',
    request: get([['Authorization', `Basic ${base64(new Uint8Array([0x61, 0x6c, 0xff, 0x3a, 0x78]))}`]]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-empty-username',
    title: 'Basic with an empty username is malformed',
    error: 'credentials_malformed',
    request: get([basic('', tokens.alice)]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-no-colon',
    title: 'Basic without a colon is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', `Basic ${base64(new TextEncoder().encode('alice'))}`]]),
    expect: denied('credentials_malformed', 'bearer'),
  },
  {
    id: 'basic-empty',
    title: '"Basic" with nothing after it is malformed',
    error: 'credentials_malformed',
    request: get([['Authorization', 'Basic']]),
    expect: denied('credentials_malformed', 'bearer'),
  },
]
