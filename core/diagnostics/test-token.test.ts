import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { Outcome } from '../decision.ts'
import { createPortcullis, type Portcullis } from '../portcullis.ts'
import { generateToken } from '../tokens/format.ts'

const t0 = Date.UTC(2026, 5, 1, 12)
const sec = (ms: number) => Math.floor(ms / 1000)
const issuer = 'https://idp.example.com'
const introspectionEndpoint = 'https://idp.example.com/introspect'
const basic = (username: string, secret: string) => `Basic ${btoa(`${username}:${secret}`)}`
const errorBody = (message: string) => JSON.stringify({ error: { status: 'ERROR', message } })

const keys = await generateKeyPair('ES256', { extractable: true })
const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }
const signJwt = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: issuer, sub: 'alice', iat: sec(t0), exp: sec(t0) + 3600, ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(keys.privateKey)

/** What the introspection endpoint says about each opaque token (others are inactive). */
const introspected: Record<string, Record<string, unknown>> = {
  'opaque-alice-token-0123456789': { active: true, username: 'alice', client_id: 'web', exp: sec(t0) + 600 },
  'opaque-machine-token-0123456789': { active: true, client_id: 'reporter', scope: 'api:read', exp: sec(t0) + 600 },
}

const config: ConfigInput = {
  jwt: { issuers: [{ issuer, algorithms: ['ES256'], jwks: { keys: [publicJwk] } }] },
  oauth: {
    introspection: { endpoint: introspectionEndpoint, clientId: 'portcullis', clientSecret: 'introspection-secret' },
    clientCredentials: { clientIds: ['reporter'], serviceAccount: 'svc-reporter', scope: 'api:read' },
  },
}

describe('the test-token diagnostic', () => {
  let stores: MemoryStores
  let now: number
  let providerDown: boolean
  let lines: string[]
  let portcullis: Portcullis
  /** Every secret a test used: none may appear in an answer, an audit record or a log line. */
  let secrets: string[]

  const fetchImpl: typeof fetch = async (url, init) => {
    if (providerDown) throw new TypeError('fetch failed')
    expect(String(url)).toBe(introspectionEndpoint)
    const token = new URLSearchParams(String(init?.body)).get('token') ?? ''
    return Response.json(introspected[token] ?? { active: false })
  }

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', password: 'alice-pw', email: 'alice@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'ghost', password: 'ghost-pw', active: false })
    await stores.users.add({ username: 'svc-reporter' })
    await stores.users.add({ username: 'root', password: 'root-pw', groups: ['admins'] })
    now = t0
    providerDown = false
    lines = []
    secrets = ['alice-pw', 'root-pw']
    portcullis = createPortcullis({ config, stores, now: () => now, fetch: fetchImpl, log: (line) => lines.push(line) })
  })

  const tokenFor = async (username: string, validity: '6m' | 'never' = '6m') => {
    const created = await portcullis.tokens().create((await stores.users.find(username))!, { name: 'diagnosed', validity })
    if (!created.ok) throw new Error(created.error)
    secrets.push(created.value.token)
    return created.value.token
  }
  const diagnose = async (...args: Parameters<Portcullis['testToken']>) => {
    secrets.push(args[1])
    const answer = await portcullis.testToken(...args)
    for (const secret of secrets) expect(JSON.stringify(answer)).not.toContain(secret)
    return answer
  }

  describe('as a function', () => {
    it('an API token: valid, whose, and the time left', async () => {
      expect(await diagnose('api-token', await tokenFor('alice'))).toEqual({
        type: 'api-token',
        valid: true,
        user: 'alice',
        check: 'ok',
        reason: 'valid for alice',
        expiresInSeconds: expect.any(Number),
      })
      const answer = await diagnose('api-token', await tokenFor('alice'))
      expect(answer.expiresInSeconds).toBeGreaterThan(180 * 86_400)
      expect((await diagnose('api-token', await tokenFor('alice', 'never'))).expiresInSeconds).toBeNull()
    })

    it('an API token that is not valid, and why', async () => {
      expect(await diagnose('api-token', 'not-a-portcullis-token')).toEqual({
        type: 'api-token',
        valid: false,
        check: 'api_token_invalid',
        reason: 'Provided API key is invalid (not a Portcullis token: wrong prefix, length or checksum)',
      })
      expect(await diagnose('api-token', generateToken().token)).toEqual({ type: 'api-token', valid: false, check: 'api_token_invalid', reason: 'Provided API key is invalid' })

      const expiring = await tokenFor('alice')
      now += 200 * 86_400_000
      const expired = await diagnose('api-token', expiring)
      expect(expired).toMatchObject({ valid: false, check: 'api_token_invalid' })
      expect(expired.expiresInSeconds).toBeLessThan(0)

      now = t0
      const ghosts = await tokenFor('alice')
      await stores.users.update('alice', { active: false })
      expect(await diagnose('api-token', ghosts)).toMatchObject({ valid: false, user: 'alice', check: 'token_use_denied' })
    })

    it('a JWT: valid with its expiry; expired; for an unknown user; unparseable', async () => {
      expect(await diagnose('jwt', await signJwt({}))).toEqual({ type: 'jwt', valid: true, user: 'alice', check: 'ok', reason: 'valid for alice', expiresInSeconds: 3600 })
      expect(await diagnose('jwt', await signJwt({ exp: sec(t0) - 120 }))).toEqual({
        type: 'jwt',
        valid: false,
        check: 'jwt_expired',
        reason: 'Token Expired: The token provided is expired. (ERR_JWT_EXPIRED)',
        expiresInSeconds: -120,
      })
      expect(await diagnose('jwt', await signJwt({ sub: 'mallory' }))).toMatchObject({
        valid: false,
        check: 'user_not_found',
        reason: 'No user found with this username/email address (no user mallory)',
      })
      expect(await diagnose('jwt', 'a.b.c')).toEqual({ type: 'jwt', valid: false, check: 'jwt_invalid', reason: 'Token Invalid: Error while validating the token. (not a JWT)' })
      expect(await diagnose('jwt', await signJwt({ exp: undefined }))).toMatchObject({ check: 'jwt_invalid', expiresInSeconds: null })
    })

    it('an OAuth token: a user, a machine client, an inactive one, and the provider down', async () => {
      expect(await diagnose('oauth', 'opaque-alice-token-0123456789')).toEqual({ type: 'oauth', valid: true, user: 'alice', check: 'ok', reason: 'valid for alice' })
      expect(await diagnose('oauth', 'opaque-machine-token-0123456789')).toMatchObject({ valid: true, user: 'svc-reporter' })
      expect(await diagnose('oauth', 'opaque-unknown-token-0123456789')).toEqual({
        type: 'oauth',
        valid: false,
        check: 'client_credentials_invalid',
        reason: 'Expired Token / invalid_client_ID (token inactive)',
      })
      providerDown = true
      const down = await diagnose('oauth', 'opaque-other-token-0123456789')
      expect(down).toMatchObject({ type: 'oauth', valid: false, check: 'provider_unavailable' })
      expect(down.reason).toMatch(/^Identity provider unavailable: identity provider call failed/)
    })

    it('a JWT not of the JWS compact shape: refused before any signature is checked', async () => {
      const checked: string[] = []
      const withCheck = createPortcullis({ config, stores, now: () => now, signatureCheck: (alg) => (checked.push(alg), true) })
      const jwt = await signJwt({})
      expect(await withCheck.testToken('jwt', jwt)).toMatchObject({ valid: true, user: 'alice' })
      expect(checked).toEqual(['ES256'])
      const [header, payload, signature] = jwt.split('.')
      // A base64 (not base64url) character, a fourth part, a missing or empty signature.
      for (const shape of [`${header}.+${payload!.slice(1)}.${signature}`, `${jwt}.junk`, `${header}.${payload}`, `${header}.${payload}.`]) {
        expect(await withCheck.testToken('jwt', shape)).toMatchObject({ valid: false, check: 'jwt_invalid' })
      }
      expect(checked).toEqual(['ES256'])
    })

    it('a type whose method is not configured', async () => {
      const bare = createPortcullis({ config: {}, stores, now: () => now })
      expect(await bare.testToken('jwt', await signJwt({}))).toMatchObject({ valid: false, check: 'jwt_invalid', reason: 'Token Invalid: Error while validating the token. (no JWT issuer is configured)' })
      expect(await bare.testToken('oauth', 'opaque-alice-token-0123456789')).toMatchObject({ valid: false, check: 'client_credentials_invalid', reason: 'Expired Token / invalid_client_ID (no OAuth provider is configured)' })
    })
  })

  describe('POST /rest/auth/1/token/test', () => {
    const post = async (as: string, body: string, method = 'POST'): Promise<Outcome> =>
      portcullis.handle({
        method,
        target: '/rest/auth/1/token/test',
        headers: new Headers({ authorization: basic(as, `${as}-pw`), 'content-type': 'application/json' }),
        peer: '192.0.2.10',
        body: () => Promise.resolve(body),
      })
    const noSecretAnywhere = () => {
      const records = JSON.stringify(stores.audit.query())
      for (const secret of secrets) {
        expect(records).not.toContain(secret)
        for (const line of lines) expect(line).not.toContain(secret)
      }
    }

    it('answers an admin with the diagnosis, never holding the token', async () => {
      const token = await tokenFor('alice')
      const outcome = await post('root', JSON.stringify({ type: 'api-token', token }))
      expect(outcome.kind === 'respond' && [outcome.status, outcome.headers['cache-control'], JSON.parse(outcome.body)]).toEqual([
        200,
        'no-store',
        { type: 'api-token', valid: true, user: 'alice', check: 'ok', reason: 'valid for alice', expiresInSeconds: expect.any(Number) },
      ])
      expect(outcome.kind === 'respond' && outcome.body).not.toContain(token)

      const jwt = await signJwt({ sub: 'mallory' })
      secrets.push(jwt)
      const refused = await post('root', JSON.stringify({ type: 'jwt', token: jwt }))
      expect(refused.kind === 'respond' && JSON.parse(refused.body)).toMatchObject({ valid: false, check: 'user_not_found' })
      expect(refused.kind === 'respond' && refused.body).not.toContain(jwt)
      noSecretAnywhere()
    })

    it('refuses a caller who is not an admin: 403', async () => {
      const token = await tokenFor('alice')
      const outcome = await post('alice', JSON.stringify({ type: 'api-token', token }))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual([
        'token_generation_denied',
        403,
        errorBody('User does not have permission to execute this operation'),
      ])
      noSecretAnywhere()
    })

    it('serves POST only', async () => {
      const outcome = await post('root', '', 'GET')
      expect(outcome.kind === 'deny' && [outcome.status, outcome.headers.allow]).toEqual([405, 'POST'])
    })

    it('says what is wrong with a body without ever showing the token sent', async () => {
      const token = (await tokenFor('alice')).replace('pcl_', 'pcl_x')
      secrets.push(token)
      const cases: [string, string][] = [
        [JSON.stringify({ type: 'opaque', token }), 'type: expected one of "api-token", "jwt", "oauth"'],
        [JSON.stringify({ type: token, token: 'jwt' }), 'type: expected one of "api-token", "jwt", "oauth"'],
        [JSON.stringify({ type: 'jwt', token: token.repeat(200) }), 'token: expected at most 8192 characters'],
        [JSON.stringify({ type: 'jwt', token: 123456789 }), 'token: expected the token as a string'],
        [JSON.stringify({ type: 'jwt', token: '' }), 'token: expected a non-empty token'],
        [JSON.stringify(token), '(root): expected a JSON object'],
        [`{"type":"jwt","token":"${token}"`, 'body: expected JSON such as {"type":"api-token","token":"pcl_..."}'],
      ]
      for (const [body, problem] of cases) {
        const outcome = await post('root', body)
        expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['token_request_invalid', 400, errorBody(`Invalid token request: ${problem}`)])
        expect(outcome.kind === 'deny' && outcome.body).not.toContain(token.slice(4, 20))
        expect(outcome.kind === 'deny' && outcome.body).not.toContain('123456789')
      }
      noSecretAnywhere()
      for (const line of lines) expect(line).not.toContain(token.slice(4, 20))
    })
  })
})
