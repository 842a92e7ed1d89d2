import { tokenPattern } from '../../core/index.ts'
import { passwords, tokens } from '../fixture.ts'
import type { Scenario, ScenarioRequest } from '../types.ts'
import { basic, bearer, denied, json } from './expect.ts'

const route = '/rest/auth/1/token'
const create = (auth: readonly [string, string], body: string): ScenarioRequest => ({
  method: 'POST',
  target: route,
  headers: [auth, ['Content-Type', 'application/json']],
  body,
})
const ok = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' }

/**
 * The token management API, served by the core through the adapter (bodies included).
 * Its errors carry no WWW-Authenticate challenge: the caller has already authenticated.
 */
export const tokenApiScenarios: readonly Scenario[] = [
  {
    id: 'token-create',
    title: 'A user creates a token for themselves; the plaintext is in the 201 response only',
    request: create(basic('alice', passwords.alice), '{"name":"laptop","validity":"6m"}'),
    expect: {
      status: 201,
      headers: ok,
      body: json((v) =>
        typeof v.token !== 'string' || !tokenPattern.test(v.token) ? 'token missing or not in the pcl_ format'
        : v.owner !== 'alice' || v.name !== 'laptop' ? 'owner or name wrong'
        : typeof v.expiresAt !== 'string' ? 'expiresAt missing'
        : undefined),
    },
  },
  {
    id: 'token-create-with-token',
    title: 'A caller authenticated by an API token may create another',
    request: create(bearer(tokens.alice), '{"name":"ci","validity":"never"}'),
    expect: { status: 201, headers: ok, body: json((v) => (v.expiresAt === null ? undefined : 'expected a token that never expires')) },
  },
  {
    id: 'token-create-for-other-by-admin',
    title: 'An admin creates a token for another user',
    request: create(basic('admin', passwords.admin), '{"name":"for bob","validity":"1y","username":"bob"}'),
    expect: { status: 201, headers: ok, body: json((v) => (v.owner === 'bob' ? undefined : 'owner should be bob')) },
  },
  {
    id: 'token-create-for-other-denied',
    title: 'A user without the permission cannot create a token for someone else',
    error: 'token_generation_denied',
    request: create(basic('alice', passwords.alice), '{"name":"x","validity":"6m","username":"bob"}'),
    expect: denied('token_generation_denied', 'none'),
  },
  {
    id: 'token-create-user-creation-off',
    title: 'With user token creation switched off, a non-admin is refused',
    error: 'token_generation_denied',
    config: { apiTokens: { allowUserCreation: false } },
    request: create(basic('alice', passwords.alice), '{"name":"x","validity":"6m"}'),
    expect: denied('token_generation_denied', 'none'),
  },
  {
    id: 'token-create-group-not-granted',
    title: 'A user outside the token generation groups is refused',
    error: 'token_generation_denied',
    config: { apiTokens: { permissions: { createForSelf: ['developers'] } } },
    request: create(basic('bob', passwords.bob), '{"name":"x","validity":"6m"}'),
    expect: denied('token_generation_denied', 'none'),
  },
  {
    id: 'token-create-validity-over-max',
    title: "A validity above the admin's maximum is a 400 that names the field",
    error: 'token_request_invalid',
    config: { apiTokens: { maxValidity: '1y' } },
    request: create(basic('alice', passwords.alice), '{"name":"x","validity":"2y"}'),
    expect: denied('token_request_invalid', 'none', 'validity: expected one of "6m", "1y" (the maximum is "1y")'),
  },
  {
    id: 'token-create-bad-body',
    title: 'A create body with a bad name and an unknown validity lists both problems',
    error: 'token_request_invalid',
    request: create(basic('alice', passwords.alice), '{"name":"","validity":"7m"}'),
    expect: denied(
      'token_request_invalid',
      'none',
      'name: expected a name of 1 to 100 characters, got ""; validity: expected one of "never", "1m", "2m", "3m", "4m", "5m", "6m", "1y", "2y", got "7m"',
    ),
  },
  {
    id: 'token-create-not-json',
    title: 'A create body that is not JSON is a 400',
    error: 'token_request_invalid',
    request: create(basic('alice', passwords.alice), 'name=x'),
    expect: denied('token_request_invalid', 'none', 'body: expected JSON such as {"name":"ci","validity":"6m"}'),
  },
  {
    id: 'token-create-invalid-utf8',
    title: 'A create body that is not UTF-8 is a 400',
    error: 'token_request_invalid',
    request: create(basic('alice', passwords.alice), '{"name":"\xff","validity":"6m"}'),
    expect: denied('token_request_invalid', 'none', 'body: expected UTF-8 JSON of at most 16 KiB'),
  },
  {
    id: 'token-create-oversized',
    title: 'A create body over 16 KiB is a 400',
    error: 'token_request_invalid',
    request: create(basic('alice', passwords.alice), `{"name":"${'x'.repeat(17_000)}","validity":"6m"}`),
    expect: denied('token_request_invalid', 'none', 'body: expected UTF-8 JSON of at most 16 KiB'),
  },
  {
    id: 'token-limit-reached',
    title: 'A user at the maximum number of tokens cannot create another',
    error: 'token_limit_reached',
    config: { apiTokens: { maxPerUser: 2 } },
    request: create(basic('alice', passwords.alice), '{"name":"third","validity":"6m"}'),
    expect: denied('token_limit_reached', 'none'),
  },
  {
    id: 'token-list',
    title: "A user lists their own tokens, without secrets or hashes",
    request: { method: 'GET', target: route, headers: [bearer(tokens.alice)] },
    expect: {
      status: 200,
      headers: ok,
      body: (body) =>
        body.includes('hash') || body.includes(tokens.alice) ? 'the list exposes a hash or a token'
        : json((v) => (Array.isArray(v) && v.length === 2 ? undefined : 'expected alice\'s two tokens'))(body),
    },
  },
  {
    id: 'token-expiry-details',
    title: "A token's expiry details",
    request: { method: 'GET', target: `${route}/tok-alice-expired`, headers: [bearer(tokens.alice)] },
    expect: {
      status: 200,
      headers: ok,
      body: json((v) => (v.id === 'tok-alice-expired' && v.expired === true && v.expiresInDays === 0 ? undefined : 'expected the expired token\'s details')),
    },
  },
  {
    id: 'token-of-other-user-hidden',
    title: "Another user's token is not found, not forbidden (its existence is not revealed)",
    error: 'token_not_found',
    request: { method: 'GET', target: `${route}/tok-bob`, headers: [bearer(tokens.alice)] },
    expect: denied('token_not_found', 'none'),
  },
  {
    id: 'token-revoke',
    title: 'A user revokes their token',
    request: { method: 'DELETE', target: `${route}/tok-alice`, headers: [basic('alice', passwords.alice)] },
    expect: { status: 200, headers: ok, body: json((v) => (v.id === 'tok-alice' ? undefined : 'expected the revoked token')) },
  },
  {
    id: 'token-delete-expired',
    title: "A user deletes their expired tokens",
    request: { method: 'DELETE', target: `${route}/expired`, headers: [bearer(tokens.alice)] },
    expect: {
      status: 200,
      headers: ok,
      body: json((v) => {
        const deleted = v.deleted as { id: string }[] | undefined
        return deleted?.length === 1 && deleted[0]!.id === 'tok-alice-expired' ? undefined : 'expected exactly the expired token'
      }),
    },
  },
  {
    id: 'token-delete-expired-for-other-by-admin',
    title: "An admin deletes another user's expired tokens",
    request: { method: 'DELETE', target: `${route}/expired?username=alice`, headers: [basic('admin', passwords.admin)] },
    expect: { status: 200, headers: ok, body: json((v) => ((v.deleted as unknown[] | undefined)?.length === 1 ? undefined : 'expected one deleted token')) },
  },
  {
    id: 'token-route-method-not-allowed',
    title: 'A method a token route does not serve is 405 with Allow',
    error: 'method_not_allowed',
    request: { method: 'PUT', target: `${route}/tok-alice`, headers: [bearer(tokens.alice)] },
    expect: { ...denied('method_not_allowed', 'none'), headers: { ...denied('method_not_allowed', 'none').headers, allow: 'GET, DELETE' } },
  },
  {
    id: 'token-route-unauthenticated',
    title: 'The token API requires authentication like any protected path',
    error: 'credentials_missing',
    request: { method: 'GET', target: route },
    expect: denied('credentials_missing', 'none'),
  },
]
