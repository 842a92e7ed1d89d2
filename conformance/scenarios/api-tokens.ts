import { passwords, tokens } from '../fixture.ts'
import type { Scenario } from '../types.ts'
import { allowed, basic, bearer, denied } from './expect.ts'

const get = (header: readonly [string, string]) => ({ method: 'GET', target: '/rest/api/2/myself', headers: [header] })

/** API tokens as Bearer and as Basic `username:token`, and the password Basic path. */
export const apiTokenScenarios: readonly Scenario[] = [
  {
    id: 'bearer-valid',
    title: 'A valid API token as Bearer runs the handler as its owner',
    request: get(bearer(tokens.alice)),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'bearer-unknown',
    title: 'A well-formed token that is in no store is invalid',
    error: 'api_token_invalid',
    request: get(bearer(tokens.unknown)),
    expect: denied('api_token_invalid', 'bearer'),
  },
  {
    id: 'bearer-typo',
    title: 'A token with one character changed fails its checksum and is invalid',
    error: 'api_token_invalid',
    request: get(bearer(`${tokens.alice.slice(0, 10)}${tokens.alice[10] === 'x' ? 'y' : 'x'}${tokens.alice.slice(11)}`)),
    expect: denied('api_token_invalid', 'bearer'),
  },
  {
    id: 'bearer-expired',
    title: 'An expired token is invalid',
    error: 'api_token_invalid',
    request: get(bearer(tokens.aliceExpired)),
    expect: denied('api_token_invalid', 'bearer'),
  },
  {
    id: 'bearer-tokens-disabled',
    title: 'With API tokens switched off, a valid token is invalid',
    error: 'api_token_invalid',
    config: { apiTokens: { enabled: false } },
    request: get(bearer(tokens.alice)),
    expect: denied('api_token_invalid', 'bearer'),
  },
  {
    id: 'bearer-owner-inactive',
    title: "A deactivated user's token is refused",
    error: 'token_use_denied',
    request: get(bearer(tokens.ghost)),
    expect: denied('token_use_denied', 'bearer'),
  },
  {
    id: 'bearer-use-not-granted',
    title: "A token whose owner lacks the 'use tokens' permission is refused",
    error: 'token_use_denied',
    config: { apiTokens: { permissions: { use: ['developers'] } } },
    request: get(bearer(tokens.bob)),
    expect: denied('token_use_denied', 'bearer'),
  },
  {
    id: 'basic-token-valid',
    title: 'Basic username:token for the owner is accepted',
    request: get(basic('alice', tokens.alice)),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'basic-token-by-email',
    title: "Basic with the owner's email address and token is accepted",
    request: get(basic('alice@example.com', tokens.alice)),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'basic-token-wrong-owner',
    title: "Basic with another user's name and a valid token is invalid",
    error: 'api_token_invalid',
    request: get(basic('bob', tokens.alice)),
    expect: denied('api_token_invalid', 'basic'),
  },
  {
    id: 'basic-token-expired',
    title: 'Basic with an expired token is invalid',
    error: 'api_token_invalid',
    request: get(basic('alice', tokens.aliceExpired)),
    expect: denied('api_token_invalid', 'basic'),
  },
  {
    id: 'basic-password-valid',
    title: 'Basic username:password is accepted while password Basic auth is on (split on the first colon)',
    request: get(basic('alice', passwords.alice)),
    expect: allowed('alice', 'password'),
  },
  {
    id: 'basic-password-wrong',
    title: 'A wrong password is refused',
    error: 'password_invalid',
    request: get(basic('alice', 'open:sesame!')),
    expect: denied('password_invalid', 'basic'),
  },
  {
    id: 'basic-password-unknown-user',
    title: 'An unknown user gets the same answer as a wrong password',
    error: 'password_invalid',
    request: get(basic('mallory', passwords.alice)),
    expect: denied('password_invalid', 'basic'),
  },
  {
    id: 'basic-password-inactive',
    title: 'A deactivated user with the right password gets the same answer',
    error: 'password_invalid',
    request: get(basic('ghost', passwords.ghost)),
    expect: denied('password_invalid', 'basic'),
  },
  {
    id: 'basic-auth-disabled',
    title: 'With password Basic auth disabled, a Basic credential that is not a token is 403',
    error: 'basic_auth_disabled',
    config: { basicAuth: { passwords: false } },
    request: get(basic('alice', passwords.alice)),
    expect: denied('basic_auth_disabled', 'basic'),
  },
  {
    id: 'basic-auth-disabled-token-valid',
    title: 'With password Basic auth disabled, Basic username:token still works',
    config: { basicAuth: { passwords: false } },
    request: get(basic('alice', tokens.alice)),
    expect: allowed('alice', 'api-token'),
  },
  {
    id: 'basic-auth-disabled-token-unknown',
    title: 'With password Basic auth disabled, an unknown token via Basic is an invalid API key',
    error: 'api_token_invalid',
    config: { basicAuth: { passwords: false } },
    request: get(basic('alice', tokens.unknown)),
    expect: denied('api_token_invalid', 'basic'),
  },
]
