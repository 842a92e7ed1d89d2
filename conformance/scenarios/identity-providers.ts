import type { ConfigInput } from '../../core/index.ts'
import { jwtIssuer, jwtKeys, jwts } from '../fixture.ts'
import { providerUrl, type ProviderStub, type Scenario } from '../types.ts'
import { allowed, bearer, denied } from './expect.ts'

const get = (token: string) => ({ method: 'GET', target: '/rest/api/2/myself', headers: [bearer(token)] })

/** JWTs of the fixture's issuer, verified with its inline JWKS. */
const jwtConfig: ConfigInput = { jwt: { issuers: [{ issuer: jwtIssuer, algorithms: ['ES256'], jwks: jwtKeys }] } }

const introspectionClient = { clientId: 'portcullis', clientSecret: 'conformance-introspection-secret' }

/** Opaque access tokens checked at the stub provider's introspection endpoint. */
const oauthConfig = (clientSecret = introspectionClient.clientSecret): ConfigInput => ({
  oauth: {
    introspection: { endpoint: `${providerUrl}/introspect`, clientId: introspectionClient.clientId, clientSecret },
    clientCredentials: { clientIds: ['reporter'], serviceAccount: 'svc-reporter', scope: 'api:read' },
  },
})

/** What the stub provider says about each token. */
const provider: ProviderStub = {
  ...introspectionClient,
  tokens: {
    'cc-reporter-read': { active: true, client_id: 'reporter', scope: 'api:read', token_type: 'Bearer' },
    'cc-reporter-write': { active: true, client_id: 'reporter', scope: 'api:write', token_type: 'Bearer' },
    'user-alice': { active: true, client_id: 'web', username: 'alice', scope: 'openid' },
    'user-mallory': { active: true, client_id: 'web', username: 'mallory', scope: 'openid' },
    'user-alice-expired': { active: true, client_id: 'web', username: 'alice', exp: Date.UTC(2020, 0, 1) / 1000 },
  },
}

/** The documented JWT and OAuth 2.0 responses, over real HTTP. */
export const identityProviderScenarios: readonly Scenario[] = [
  {
    id: 'jwt-valid',
    title: "A JWT signed by a configured issuer's key runs the handler as the user its sub names",
    config: jwtConfig,
    request: get(jwts.alice),
    expect: allowed('alice', 'jwt'),
  },
  {
    id: 'jwt-bad-signature',
    title: 'A JWT whose signature does not verify is 400 Token Invalid',
    error: 'jwt_invalid',
    config: jwtConfig,
    request: get(jwts.forged),
    expect: denied('jwt_invalid', 'bearer'),
  },
  {
    id: 'jwt-unsigned',
    title: 'An unsecured JWT (alg none) is 400 Token Invalid',
    error: 'jwt_invalid',
    config: jwtConfig,
    request: get(jwts.unsigned),
    expect: denied('jwt_invalid', 'bearer'),
  },
  {
    id: 'jwt-expired',
    title: 'A JWT whose exp is past is 401 Token Expired',
    error: 'jwt_expired',
    config: jwtConfig,
    request: get(jwts.expired),
    expect: denied('jwt_expired', 'bearer'),
  },
  {
    id: 'jwt-user-not-found',
    title: 'A valid JWT for a user the directory lacks is 400 No user found',
    error: 'user_not_found',
    config: jwtConfig,
    request: get(jwts.unknownUser),
    expect: denied('user_not_found', 'bearer'),
  },
  {
    id: 'oauth-client-credentials-valid',
    title: 'An active client-credentials token with the configured scope runs as the service account',
    config: oauthConfig(),
    provider,
    request: get('cc-reporter-read'),
    expect: allowed('svc-reporter', 'oauth'),
  },
  {
    id: 'oauth-client-credentials-scope-missing',
    title: 'A client-credentials token without the configured scope is 401 Expired Token / invalid_client_ID',
    error: 'client_credentials_invalid',
    config: oauthConfig(),
    provider,
    request: get('cc-reporter-write'),
    expect: denied('client_credentials_invalid', 'bearer'),
  },
  {
    id: 'oauth-token-inactive',
    title: 'A token the provider calls inactive is 401 Expired Token / invalid_client_ID',
    error: 'client_credentials_invalid',
    config: oauthConfig(),
    provider,
    request: get('revoked-or-never-issued'),
    expect: denied('client_credentials_invalid', 'bearer'),
  },
  {
    id: 'oauth-token-expired',
    title: 'A token whose introspected exp is past is 401 Expired Token / invalid_client_ID',
    error: 'client_credentials_invalid',
    config: oauthConfig(),
    provider,
    request: get('user-alice-expired'),
    expect: denied('client_credentials_invalid', 'bearer'),
  },
  {
    id: 'oauth-client-refused',
    title: 'The provider refusing our introspection client credentials is 401 Expired Token / invalid_client_ID',
    error: 'client_credentials_invalid',
    config: oauthConfig('not-the-secret'),
    provider,
    request: get('cc-reporter-read'),
    expect: denied('client_credentials_invalid', 'bearer'),
  },
  {
    id: 'oauth-user-token-valid',
    title: "An active user token runs as the user its username attribute names",
    config: oauthConfig(),
    provider,
    request: get('user-alice'),
    expect: allowed('alice', 'oauth'),
  },
  {
    id: 'oauth-user-not-found',
    title: 'An active user token for a user the directory lacks is 400 No user found',
    error: 'user_not_found',
    config: oauthConfig(),
    provider,
    request: get('user-mallory'),
    expect: denied('user_not_found', 'bearer'),
  },
  {
    id: 'oauth-provider-unavailable',
    title: 'A provider answering 5xx is 503, never an allow',
    error: 'provider_unavailable',
    config: oauthConfig(),
    provider: { ...provider, status: 502 },
    request: get('cc-reporter-read'),
    expect: denied('provider_unavailable', 'bearer'),
  },
]
