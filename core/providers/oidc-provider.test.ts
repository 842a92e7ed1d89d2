/// <reference path="../../test-support/oidc-provider.d.ts" />
/**
 * OAuth 2.0 and JWT access tokens from a real OpenID Provider (oidc-provider, certified)
 * on loopback: its JWKS, its RFC 7662 introspection, its client credentials grant and its
 * userinfo. Node only (vitest): `npm run test:deno` leaves this file out.
 *
 * User tokens are issued through the provider's own token models, as its authorization
 * code grant does after login and consent (the interactive login is not what is tested
 * here); client credentials tokens come from its token endpoint over HTTP.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { Outcome } from '../decision.ts'
import { createPortcullis, type Portcullis } from '../portcullis.ts'

const api = 'https://api.example.com'
const errorBody = (message: string) => JSON.stringify({ error: { status: 'ERROR', message } })
const expiredOrInvalid = errorBody('Expired Token / invalid_client_ID')
const noUser = errorBody('No user found with this username/email address')

let server: Server
let provider: Provider
let idp: string

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  idp = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const resourceServer = { scope: 'api:read api:write', audience: api, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }
  provider = new Provider(idp, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] },
    clients: [
      // Portcullis's own client, allowed to introspect.
      { client_id: 'portcullis', client_secret: 'introspection-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [] },
      // Machine clients (client credentials grant).
      { client_id: 'reporter', client_secret: 'reporter-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read api:write' },
      { client_id: 'other-machine', client_secret: 'other-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read' },
      // A web application users log in to (authorization code grant).
      { client_id: 'web', client_secret: 'web-secret', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['https://app.example.com/cb'] },
    ],
    scopes: ['openid', 'profile', 'api:read', 'api:write'],
    claims: { openid: ['sub'], profile: ['preferred_username'] },
    // Account ids are the directory's usernames; userinfo also names them by email-like login.
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, preferred_username: `${id}@example.com` }) }),
    ttl: { AccessToken: 3600, ClientCredentials: 600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === 'portcullis' },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
        getResourceServerInfo: async () => resourceServer,
      },
    },
  })
  server.on('request', provider.callback())
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`

/** A client credentials token from the provider's token endpoint. */
async function clientCredentials(clientId: string, secret: string, scope: string, resource?: string): Promise<string> {
  const response = await fetch(`${idp}/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, ...(resource && { resource }) }),
  })
  const body = (await response.json()) as { access_token?: string }
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`)
  return body.access_token
}

/** A user's access token for the web client, as the authorization code grant issues it: opaque, or a JWT for the API resource. */
async function userToken(accountId: string, { scope = 'openid profile', jwt = false } = {}): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId: 'web' })
  grant.addOIDCScope('openid profile')
  grant.addResourceScope(api, 'api:read')
  const grantId = await grant.save()
  const client = (await provider.Client.find('web'))!
  const token = new provider.AccessToken({ accountId, client, grantId, scope: jwt ? 'api:read' : scope, gty: 'authorization_code' })
  if (jwt) token.resourceServer = new provider.ResourceServer(api, { scope: 'api:read', audience: api, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } })
  return token.save()
}

async function revoke(token: string, clientId: string, secret: string): Promise<void> {
  const response = await fetch(`${idp}/token/revocation`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  })
  expect(response.status).toBe(200)
}

describe('a real OpenID Provider (oidc-provider) on loopback', () => {
  let stores: MemoryStores
  let now: number
  /** The path of every call Portcullis made to the provider, through the injected fetch. */
  let calls: string[]

  const config = (extra: { oauth?: NonNullable<ConfigInput['oauth']> } = {}): ConfigInput => ({
    jwt: { issuers: [{ issuer: idp, algorithms: ['RS256'], jwksUri: `${idp}/jwks`, audience: api, typ: 'at+jwt' }] },
    oauth: {
      introspection: { endpoint: `${idp}/token/introspection`, clientId: 'portcullis', clientSecret: 'introspection-secret' },
      issuer: idp,
      usernameAttribute: 'sub',
      clientCredentials: { clientIds: ['reporter'], serviceAccount: 'svc-reporter', scope: 'api:read' },
      cacheSeconds: 60,
      negativeCacheSeconds: 10,
      ...extra.oauth,
    },
  })
  const engine = (input: ConfigInput = config()): Portcullis =>
    createPortcullis({
      config: input,
      stores,
      now: () => now,
      fetch: (url, init) => {
        calls.push(new URL(url instanceof Request ? url.url : String(url)).pathname)
        return fetch(url, init)
      },
    })
  const get = async (portcullis: Portcullis, token: string): Promise<Outcome> =>
    portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: `Bearer ${token}` }), peer: '192.0.2.10' })
  const introspections = () => calls.filter((c) => c === '/token/introspection').length

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', email: 'alice@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'svc-reporter', groups: ['services'] })
    now = Date.now()
    calls = []
  })

  describe('opaque tokens, introspection', () => {
    it("allows a user's access token as the user its sub names (usernameAttribute: sub)", async () => {
      const outcome = await get(engine(), await userToken('alice'))
      expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'oauth'])
      expect(calls).toEqual(['/token/introspection'])
    })

    it('answers a user the directory lacks with the documented 400', async () => {
      const outcome = await get(engine(), await userToken('mallory'))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['user_not_found', 400, noUser])
      expect(outcome.audit.detail).toBe('no user mallory')
    })

    it('runs a client credentials token with the configured scope as the service account', async () => {
      const outcome = await get(engine(), await clientCredentials('reporter', 'reporter-secret', 'api:read'))
      expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['svc-reporter', 'oauth'])
    })

    it('refuses a client credentials token without the configured scope: 401 client_credentials_invalid', async () => {
      const outcome = await get(engine(), await clientCredentials('reporter', 'reporter-secret', 'api:write'))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['client_credentials_invalid', 401, expiredOrInvalid])
      expect(outcome.kind === 'deny' && outcome.headers['www-authenticate']).toBe('Bearer realm="portcullis", error="invalid_token"')
      expect(outcome.audit.detail).toBe('token lacks scope api:read')
    })

    it('does not run a token of a machine client outside clientIds as the service account', async () => {
      const outcome = await get(engine(), await clientCredentials('other-machine', 'other-secret', 'api:read'))
      // Such a token names no user (no sub), only a client we do not accept: an invalid client.
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['client_credentials_invalid', 401])
      expect(outcome.audit.detail).toBe('client other-machine is not an accepted machine client')
    })

    it('answers a token the provider never issued with the documented 401', async () => {
      const outcome = await get(engine(), 'never-issued-opaque-token-value-0123456789')
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['client_credentials_invalid', 401, expiredOrInvalid])
      expect(outcome.audit.detail).toBe('token inactive')
    })

    it('answers a revoked token 401: at once when unseen, after cacheSeconds when it was cached as active', async () => {
      const portcullis = engine()
      const seen = await clientCredentials('reporter', 'reporter-secret', 'api:read')
      expect((await get(portcullis, seen)).kind).toBe('allow')
      const unseen = await clientCredentials('reporter', 'reporter-secret', 'api:read')
      await revoke(seen, 'reporter', 'reporter-secret')
      await revoke(unseen, 'reporter', 'reporter-secret')

      const fresh = await get(portcullis, unseen)
      expect(fresh.kind === 'deny' && [fresh.error, fresh.status, fresh.body]).toEqual(['client_credentials_invalid', 401, expiredOrInvalid])
      // The active answer is remembered for at most cacheSeconds (60 s here).
      expect((await get(portcullis, seen)).kind).toBe('allow')
      now += 61_000
      const later = await get(portcullis, seen)
      expect(later.kind === 'deny' && [later.error, later.status]).toEqual(['client_credentials_invalid', 401])
    })

    it('answers a token past its exp 401, whatever the provider said', async () => {
      const portcullis = engine()
      const token = await clientCredentials('reporter', 'reporter-secret', 'api:read')
      now += 601_000 // ttl.ClientCredentials is 600 s
      const outcome = await get(portcullis, token)
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.audit.detail]).toEqual(['client_credentials_invalid', 401, 'token expired'])
    })

    it('answers 401 when the provider refuses our own introspection client secret', async () => {
      const portcullis = engine(config({ oauth: { introspection: { endpoint: `${idp}/token/introspection`, clientId: 'portcullis', clientSecret: 'wrong-secret' } } }))
      for (const token of [await userToken('alice'), await clientCredentials('reporter', 'reporter-secret', 'api:read')]) {
        const outcome = await get(portcullis, token)
        expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['client_credentials_invalid', 401, expiredOrInvalid])
        expect(outcome.audit.detail).toBe('introspection refused the configured client credentials (HTTP 401)')
      }
    })

    it('caches an active result: one introspection for repeated requests, until cacheSeconds', async () => {
      const portcullis = engine()
      const token = await userToken('alice')
      for (let i = 0; i < 5; i++) expect((await get(portcullis, token)).kind).toBe('allow')
      expect(introspections()).toBe(1)
      now += 59_000
      expect((await get(portcullis, token)).kind).toBe('allow')
      expect(introspections()).toBe(1)
      now += 2_000
      expect((await get(portcullis, token)).kind).toBe('allow')
      expect(introspections()).toBe(2)
    })

    it('caches an inactive result for negativeCacheSeconds: a flood of one bad token asks once', async () => {
      const portcullis = engine()
      for (let i = 0; i < 20; i++) expect((await get(portcullis, 'flood-of-a-bad-token-0123456789')).kind).toBe('deny')
      expect(introspections()).toBe(1)
      now += 11_000
      await get(portcullis, 'flood-of-a-bad-token-0123456789')
      expect(introspections()).toBe(2)
    })

    it('never caches an active result past the token exp', async () => {
      const portcullis = engine(config({ oauth: { cacheSeconds: 3600 } }))
      const token = await clientCredentials('reporter', 'reporter-secret', 'api:read')
      expect((await get(portcullis, token)).kind).toBe('allow')
      now += 601_000
      const outcome = await get(portcullis, token)
      expect(outcome.kind === 'deny' && outcome.error).toBe('client_credentials_invalid')
      expect(introspections()).toBe(2)
    })
  })

  describe('JWT access tokens, verified with the JWKS URL', () => {
    it("allows a user's JWT access token, fetching the provider's JWKS once", async () => {
      const portcullis = engine()
      const token = await userToken('alice', { jwt: true })
      for (let i = 0; i < 3; i++) {
        const outcome = await get(portcullis, token)
        expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'jwt'])
      }
      const second = await userToken('alice', { jwt: true })
      expect((await get(portcullis, second)).kind).toBe('allow')
      expect(calls).toEqual(['/jwks'])
    })

    it("answers a client credentials JWT whose sub is not in the directory with the documented 400", async () => {
      const token = await clientCredentials('reporter', 'reporter-secret', 'api:read', api)
      expect(token.split('.')).toHaveLength(3)
      const outcome = await get(engine(), token)
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['user_not_found', 400, noUser])
      expect(outcome.audit.detail).toBe('no user reporter')
    })

    it("refuses the provider's JWT for another audience, and a tampered one, with the documented 400", async () => {
      const token = await userToken('alice', { jwt: true })
      const otherAudience = engine({ jwt: { issuers: [{ issuer: idp, algorithms: ['RS256'], jwksUri: `${idp}/jwks`, audience: 'https://other.example.com' }] } })
      const invalid = ['jwt_invalid', 400, errorBody('Token Invalid: Error while validating the token.')]
      const outcome = await get(otherAudience, token)
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(invalid)
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const forged = btoa(JSON.stringify({ ...JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))), sub: 'svc-reporter' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      const tampered = await get(engine(), `${header}.${forged}.${signature}`)
      expect(tampered.kind === 'deny' && [tampered.error, tampered.status, tampered.body]).toEqual(invalid)
    })

    it("sends a JWT of an issuer without local keys to introspection, and answers the provider's refusal 401, not 503", async () => {
      const token = await userToken('alice', { jwt: true })
      const introspectOnly = engine({ ...config(), jwt: { issuers: [{ issuer: 'https://elsewhere.example.com', algorithms: ['RS256'], jwksUri: 'https://elsewhere.example.com/jwks' }] } })
      const outcome = await get(introspectOnly, token)
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['client_credentials_invalid', 401, expiredOrInvalid])
      expect(outcome.audit.detail).toBe('introspection refused the token (HTTP 400 unsupported_token_type: Structured JWT Tokens cannot be introspected via the introspection_endpoint)')
      expect(calls).toEqual(['/token/introspection'])
    })

    it('answers an expired provider JWT with the documented 401', async () => {
      const token = await userToken('alice', { jwt: true })
      now += 3_700_000
      const outcome = await get(engine(), token)
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['jwt_expired', 401, errorBody('Token Expired: The token provided is expired.')])
    })
  })

  describe('userinfo, for a provider used without introspection', () => {
    it('allows a user token by its userinfo claim, narrowed by usernamePattern', async () => {
      const portcullis = engine({ oauth: { userinfoEndpoint: `${idp}/me`, issuer: idp, usernameAttribute: 'preferred_username', usernamePattern: '^(.+)@example\\.com$' } })
      const outcome = await get(portcullis, await userToken('alice'))
      expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'oauth'])
      const refused = await get(portcullis, 'never-issued-opaque-token-value-0123456789')
      expect(refused.kind === 'deny' && [refused.error, refused.status, refused.audit.detail]).toEqual(['client_credentials_invalid', 401, 'userinfo refused the token (HTTP 401)'])
      expect(calls).toEqual(['/me', '/me'])
    })
  })

  describe('the test-token diagnostic against the provider', () => {
    it('says whose a token is, and why another is refused, without the token', async () => {
      const portcullis = engine()
      const user = await userToken('alice')
      expect(await portcullis.testToken('oauth', user)).toEqual({ type: 'oauth', valid: true, user: 'alice', check: 'ok', reason: 'valid for alice' })
      const jwt = await userToken('alice', { jwt: true })
      const diagnosis = await portcullis.testToken('jwt', jwt)
      expect(diagnosis).toMatchObject({ type: 'jwt', valid: true, user: 'alice', check: 'ok' })
      expect(diagnosis.expiresInSeconds).toBeGreaterThan(3500)
      const scoped = await clientCredentials('reporter', 'reporter-secret', 'api:write')
      const refused = await portcullis.testToken('oauth', scoped)
      expect(refused).toEqual({
        type: 'oauth',
        valid: false,
        check: 'client_credentials_invalid',
        reason: 'Expired Token / invalid_client_ID (token lacks scope api:read)',
      })
      for (const answer of [diagnosis, refused]) for (const token of [jwt, scoped]) expect(JSON.stringify(answer)).not.toContain(token)
    })
  })
})
