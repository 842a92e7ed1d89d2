import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'
import type { Stores, TokenStore, UserDirectory } from '../storage/types.ts'
import { loadConfig, type Config } from './config/load.ts'
import type { Decision, Deny } from './decision.ts'
import { authenticate } from './engine.ts'
import { createProviders } from './providers/runtime.ts'
import type { AuthRequest } from './request.ts'
import { generateToken, generateTokenId } from './tokens/format.ts'

const now = Date.UTC(2025, 0, 15, 12, 0, 0)
const dayMs = 86_400_000

const bodies = {
  api_token_invalid: '{"error":{"status":"ERROR","message":"Provided API key is invalid"}}',
  credentials_missing: '{"error":{"status":"ERROR","message":"Authentication required"}}',
  credentials_malformed: '{"error":{"status":"ERROR","message":"Malformed Authorization header"}}',
  scheme_unsupported: '{"error":{"status":"ERROR","message":"Unsupported authorization scheme: use Bearer or Basic"}}',
  password_invalid: '{"error":{"status":"ERROR","message":"Invalid username or password"}}',
  token_use_denied: '{"error":{"status":"ERROR","message":"User does not have permission to execute this operation"}}',
  basic_auth_disabled: '{"error":{"status":"ERROR","message":"Basic authentication with a password is disabled: use an API token"}}',
  path_invalid: '{"error":{"status":"ERROR","message":"Malformed request path"}}',
  store_unavailable: '{"error":{"status":"ERROR","message":"Authentication service unavailable"}}',
}

const basic = (username: string, secret: string) =>
  `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${secret}`)))}`
const bearer = (token: string) => `Bearer ${token}`

function request(target: string, authorization?: string, method = 'GET'): AuthRequest {
  const headers = new Headers()
  if (authorization !== undefined) headers.set('authorization', authorization)
  return { method, target, headers, peer: '192.0.2.10' }
}

function expectDeny(decision: Decision, expected: { error: string; status: number; body: string; challenge?: string | undefined }): Deny {
  expect(decision.kind).toBe('deny')
  const deny = decision as Deny
  expect({ error: deny.error, status: deny.status, body: deny.body, challenge: deny.headers['www-authenticate'] }).toEqual({
    error: expected.error,
    status: expected.status,
    body: expected.body,
    challenge: expected.challenge,
  })
  expect(deny.headers['content-type']).toBe('application/json;charset=UTF-8')
  expect(JSON.parse(deny.body)).toEqual({ error: { status: 'ERROR', message: expect.any(String) } })
  expect(deny.audit.event).toBe('authenticate')
  expect(deny.audit.reason).toBe(expected.error)
  return deny
}

describe('authenticate', () => {
  let stores: MemoryStores
  let config: Config

  const run = (req: AuthRequest, options: { config?: Config; stores?: Stores; at?: number } = {}) =>
    authenticate(req, options.config ?? config, options.stores ?? stores, { now: () => options.at ?? now })

  /** Stores a token for `owner` and returns it. */
  function issue(owner: string, expiresAt: number | null = null): { token: string; id: string } {
    const { token, hash } = generateToken()
    const id = generateTokenId()
    stores.tokens.insert({ id, hash, owner, name: 'test', createdAt: now - dayMs, expiresAt, createdBy: owner }, 100)
    return { token, id }
  }

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    config = loadConfig({})
    await stores.users.add({ username: 'alice', password: 'alice:pw', email: 'Alice@Example.com', groups: ['developers'] })
    await stores.users.add({ username: 'bob', password: 'bob-pw', email: 'bob@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'root', password: 'root-pw', groups: ['admins'] })
    await stores.users.add({ username: 'gone', password: 'gone-pw', active: false })
  })

  describe('pass', () => {
    it('passes every request when the engine is disabled', async () => {
      const off = loadConfig({ enabled: false })
      for (const req of [request('/rest/api/2/myself'), request('/rest/x', 'Bearer junk'), request('/%zz')]) {
        const decision = await run(req, { config: off })
        expect(decision.kind).toBe('pass')
        expect(decision.kind === 'pass' && decision.reason).toBe('disabled')
        expect(decision.audit.outcome).toBe('pass')
      }
    })

    it('passes requests outside the protected prefix, even with bad credentials', async () => {
      for (const target of ['/', '/status', '/restricted/api', '/api/rest', '/static/rest.js']) {
        const decision = await run(request(target, 'Bearer not-a-token'))
        expect([target, decision.kind, decision.kind === 'pass' && decision.reason]).toEqual([target, 'pass', 'outside-prefix'])
      }
    })

    it('follows a configured prefix', async () => {
      const api = loadConfig({ protectedPrefix: '/api/v2/' })
      expect((await run(request('/rest/api/2/myself'), { config: api })).kind).toBe('pass')
      expectDeny(await run(request('/api/v2/users'), { config: api }), {
        error: 'credentials_missing',
        status: 401,
        body: bodies.credentials_missing,
        challenge: 'Bearer realm="portcullis"',
      })
    })
  })

  describe('the protected prefix', () => {
    it('protects /rest itself and every path below it', async () => {
      for (const target of ['/rest', '/rest/', '/rest/api/2/myself', '/rest/api/2/myself?expand=x']) {
        expect([target, (await run(request(target))).kind]).toEqual([target, 'deny'])
      }
    })

    it('protects every spelling that reaches the same path', async () => {
      for (const target of [
        '//rest/api/2/myself',
        '/rest//api/2/myself/',
        '/%72est/api/2/myself',
        '/rest;jsessionid=1/api/2/myself',
        '/REST/api/2/myself',
        '/rest%2Fapi/2/myself',
        '/rest%5Capi/2/myself',
        '/rest\\api/2/myself',
        'http://example.com/rest/api/2/myself',
        'http://example.com\\rest\\api\\2\\myself',
      ]) {
        const decision = await run(request(target))
        expect([target, decision.kind, decision.kind === 'deny' && decision.error]).toEqual([target, 'deny', 'credentials_missing'])
      }
    })

    it('refuses a spelling with a dot segment with 400 path_invalid, whatever the credentials', async () => {
      const { token } = issue('alice')
      for (const target of [
        '/x/../rest/api/2/myself',
        '/x\\..\\rest/api/2/myself',
        '/rest/./api/2/myself',
        '/rest/api/2/x/../myself',
        '/%2e%2e/rest/api/2/myself',
        '/rest/%2E/api/2/myself',
        '/rest/..;x/rest/api/2/myself',
        'http://example.com/x/../rest/api/2/myself',
        // Outside the prefix once resolved: still refused, not passed.
        '/rest/../status',
        '/rest/secret/../../status',
      ]) {
        for (const authorization of [undefined, bearer(token), basic('alice', 'alice:pw')]) {
          const deny = expectDeny(await run(request(target, authorization)), { error: 'path_invalid', status: 400, body: bodies.path_invalid })
          expect([target, deny.audit.outcome]).toEqual([target, 'rejected'])
        }
      }
    })

    it('refuses a path it cannot normalise with 400 path_invalid', async () => {
      for (const target of ['/rest/%zz', '/%7', '*', 'rest/api', 'http://user:pw@/rest']) {
        expectDeny(await run(request(target, bearer(issue('alice').token))), {
          error: 'path_invalid',
          status: 400,
          body: bodies.path_invalid,
        })
      }
    })
  })

  describe('missing, malformed and unsupported credentials', () => {
    it('asks for credentials with 401 and a Bearer challenge', async () => {
      expectDeny(await run(request('/rest/api/2/myself')), {
        error: 'credentials_missing',
        status: 401,
        body: bodies.credentials_missing,
        challenge: 'Bearer realm="portcullis"',
      })
    })

    it('names the configured realm in the challenge', async () => {
      const decision = await run(request('/rest/api/2/myself'), { config: loadConfig({ realm: 'Jira REST' }) })
      expect(decision.kind === 'deny' && decision.headers['www-authenticate']).toBe('Bearer realm="Jira REST"')
    })

    it('refuses a malformed header with 400 and invalid_request', async () => {
      const { token } = issue('alice')
      for (const authorization of [
        `Bearer ${token}, Bearer ${token}`,
        `Basic ${btoa('alice')}`,
        'Basic /w==',
        'Basic !!!!',
        `Bearer ${token}é`,
        `Bearer ${'a'.repeat(9000)}`,
        'Bearer',
      ]) {
        expectDeny(await run(request('/rest/api/2/myself', authorization)), {
          error: 'credentials_malformed',
          status: 400,
          body: bodies.credentials_malformed,
          challenge: 'Bearer realm="portcullis", error="invalid_request"',
        })
      }
    })

    it('refuses another scheme with 401', async () => {
      expectDeny(await run(request('/rest/api/2/myself', 'Digest username="alice"')), {
        error: 'scheme_unsupported',
        status: 401,
        body: bodies.scheme_unsupported,
        challenge: 'Bearer realm="portcullis"',
      })
    })
  })

  describe('API tokens', () => {
    it('allows a valid token sent as Bearer', async () => {
      const { token, id } = issue('alice')
      const decision = await run(request('/rest/api/2/myself', bearer(token)))
      expect(decision.kind).toBe('allow')
      if (decision.kind !== 'allow') return
      expect(decision.user.username).toBe('alice')
      expect(decision.via).toBe('api-token')
      expect(decision.tokenId).toBe(id)
      expect(decision.audit).toEqual({
        time: now,
        event: 'authenticate',
        outcome: 'success',
        reason: 'api-token',
        user: 'alice',
        via: 'api-token',
        tokenId: id,
        method: 'GET',
        path: '/rest/api/2/myself',
        client: '192.0.2.10',
      })
    })

    it('allows a valid token sent as Basic username:token', async () => {
      const { token, id } = issue('alice')
      const decision = await run(request('/rest/api/2/myself', basic('alice', token)))
      expect(decision.kind === 'allow' && [decision.user.username, decision.via, decision.tokenId]).toEqual(['alice', 'api-token', id])
    })

    it("allows Basic with the owner's email address, in any case", async () => {
      const { token } = issue('alice')
      for (const name of ['Alice@Example.com', 'alice@example.com', 'ALICE@EXAMPLE.COM']) {
        const decision = await run(request('/rest/api/2/myself', basic(name, token)))
        expect([name, decision.kind === 'allow' && decision.user.username]).toEqual([name, 'alice'])
      }
    })

    it('refuses a Basic username that is not the owner', async () => {
      const { token } = issue('alice')
      for (const name of ['bob', 'bob@example.com', 'Alice', 'root', 'nobody']) {
        const deny = expectDeny(await run(request('/rest/api/2/myself', basic(name, token))), {
          error: 'api_token_invalid',
          status: 401,
          body: bodies.api_token_invalid,
          challenge: 'Basic realm="portcullis", charset="UTF-8"',
        })
        expect(deny.audit.user).toBeUndefined()
      }
    })

    it('refuses an unknown token with the documented 401', async () => {
      const { token } = generateToken()
      expectDeny(await run(request('/rest/api/2/myself', bearer(token))), {
        error: 'api_token_invalid',
        status: 401,
        body: '{"error":{"status":"ERROR","message":"Provided API key is invalid"}}',
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
    })

    it('refuses a mistyped token the same way', async () => {
      const { token } = issue('alice')
      const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11)
      expectDeny(await run(request('/rest/api/2/myself', bearer(typo))), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
    })

    it('allows a token until the instant it expires, and refuses it from then on', async () => {
      const expiresAt = now + 30 * dayMs
      const { token } = issue('alice', expiresAt)
      expect((await run(request('/rest/api/2/myself', bearer(token)), { at: expiresAt - 1 })).kind).toBe('allow')
      for (const at of [expiresAt, expiresAt + 1, expiresAt + 365 * dayMs]) {
        expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { at }), {
          error: 'api_token_invalid',
          status: 401,
          body: bodies.api_token_invalid,
          challenge: 'Bearer realm="portcullis", error="invalid_token"',
        })
      }
    })

    it('refuses an expired token sent with Basic', async () => {
      const { token } = issue('alice', now - 1)
      expectDeny(await run(request('/rest/api/2/myself', basic('alice', token))), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Basic realm="portcullis", charset="UTF-8"',
      })
    })

    it('refuses a revoked token', async () => {
      const { token, id } = issue('alice')
      expect((await run(request('/rest/api/2/myself', bearer(token)))).kind).toBe('allow')
      stores.tokens.delete(id)
      expectDeny(await run(request('/rest/api/2/myself', bearer(token))), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
    })

    it('refuses a token whose owner is not in the directory', async () => {
      const { token } = issue('deleted-user')
      expectDeny(await run(request('/rest/api/2/myself', bearer(token))), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
    })

    it('refuses every token when API tokens are disabled', async () => {
      const { token } = issue('alice')
      const off = loadConfig({ apiTokens: { enabled: false } })
      expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { config: off }), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
      expect((await run(request('/rest/api/2/myself', basic('alice', token)), { config: off })).kind).toBe('deny')
    })

    it("refuses with 403 token_use_denied when the owner lacks the 'use' grant", async () => {
      const { token } = issue('alice')
      const restricted = loadConfig({ apiTokens: { permissions: { use: ['api-users'] } } })
      const deny = expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { config: restricted }), {
        error: 'token_use_denied',
        status: 403,
        body: bodies.token_use_denied,
        challenge: 'Bearer realm="portcullis", error="insufficient_scope"',
      })
      expect(deny.audit.outcome).toBe('forbidden')
      expect(deny.audit.user).toBe('alice')
    })

    it("allows members of the 'use' groups and admins", async () => {
      const restricted = loadConfig({ apiTokens: { permissions: { use: ['api-users'] } } })
      await stores.users.add({ username: 'carol', groups: ['api-users'] })
      for (const owner of ['carol', 'root']) {
        const decision = await run(request('/rest/api/2/myself', bearer(issue(owner).token)), { config: restricted })
        expect([owner, decision.kind]).toEqual([owner, 'allow'])
      }
    })

    it('refuses the token of a deactivated owner with 403', async () => {
      const { token } = issue('alice')
      stores.users.update('alice', { active: false })
      expectDeny(await run(request('/rest/api/2/myself', bearer(token))), {
        error: 'token_use_denied',
        status: 403,
        body: bodies.token_use_denied,
        challenge: 'Bearer realm="portcullis", error="insufficient_scope"',
      })
      expectDeny(await run(request('/rest/api/2/myself', basic('alice', token))), {
        error: 'token_use_denied',
        status: 403,
        body: bodies.token_use_denied,
        challenge: undefined,
      })
    })
  })

  describe('passwords', () => {
    it('allows the right password, by username or email address', async () => {
      for (const name of ['alice', 'Alice@Example.com', 'alice@example.com']) {
        const decision = await run(request('/rest/api/2/myself', basic(name, 'alice:pw')))
        expect([name, decision.kind === 'allow' && decision.user.username, decision.kind === 'allow' && decision.via]).toEqual([
          name,
          'alice',
          'password',
        ])
      }
    })

    it('gives a wrong password, an unknown user and an inactive user the same answer', async () => {
      const decisions = [
        await run(request('/rest/api/2/myself', basic('alice', 'wrong'))),
        await run(request('/rest/api/2/myself', basic('alice', 'alice'))),
        await run(request('/rest/api/2/myself', basic('nobody', 'alice:pw'))),
        await run(request('/rest/api/2/myself', basic('gone', 'gone-pw'))),
        await run(request('/rest/api/2/myself', basic('bob', 'alice:pw'))),
      ]
      for (const decision of decisions) {
        const deny = expectDeny(decision, {
          error: 'password_invalid',
          status: 401,
          body: bodies.password_invalid,
          challenge: 'Basic realm="portcullis", charset="UTF-8"',
        })
        expect(deny.audit.outcome).toBe('unauthorized')
        expect(deny.audit.user).toBeUndefined()
      }
      const shapes = decisions.map((d) => d.kind === 'deny' && JSON.stringify([d.status, d.headers, d.body]))
      expect(new Set(shapes).size).toBe(1)
    })

    it('refuses a user added without a password', async () => {
      await stores.users.add({ username: 'nopass' })
      expect((await run(request('/rest/api/2/myself', basic('nopass', 'anything')))).kind).toBe('deny')
    })

    describe('with password Basic auth disabled', () => {
      const off = () => loadConfig({ basicAuth: { passwords: false } })

      it('refuses a password with 403 basic_auth_disabled, right or wrong', async () => {
        for (const [name, password] of [['alice', 'alice:pw'], ['alice', 'wrong'], ['nobody', 'x']] as const) {
          const deny = expectDeny(await run(request('/rest/api/2/myself', basic(name, password)), { config: off() }), {
            error: 'basic_auth_disabled',
            status: 403,
            body: bodies.basic_auth_disabled,
            challenge: undefined,
          })
          expect(deny.audit.outcome).toBe('forbidden')
        }
      })

      it('refuses a token-shaped secret that matches no token with 401 api_token_invalid', async () => {
        expectDeny(await run(request('/rest/api/2/myself', basic('alice', generateToken().token)), { config: off() }), {
          error: 'api_token_invalid',
          status: 401,
          body: bodies.api_token_invalid,
          challenge: 'Basic realm="portcullis", charset="UTF-8"',
        })
      })

      it('still allows API tokens, with Basic and with Bearer', async () => {
        const { token } = issue('alice')
        expect((await run(request('/rest/api/2/myself', basic('alice', token)), { config: off() })).kind).toBe('allow')
        expect((await run(request('/rest/api/2/myself', bearer(token)), { config: off() })).kind).toBe('allow')
      })
    })
  })

  describe("the host's own tokens", () => {
    let calls: string[]
    const verifier = (token: string) => {
      calls.push(token)
      return ({ 'host-alice': 'alice', 'host-gone': 'gone', 'host-ghost': 'ghost' } as Record<string, string>)[token]
    }
    const on = () => loadConfig({ hostTokens: { enabled: true } })
    const withVerifier = () => ({ ...stores, hostTokens: verifier })

    beforeEach(() => {
      calls = []
    })

    it('refuses them, without asking the verifier, while the toggle is off', async () => {
      expectDeny(await run(request('/rest/api/2/myself', bearer('host-alice')), { stores: withVerifier() }), {
        error: 'api_token_invalid',
        status: 401,
        body: bodies.api_token_invalid,
        challenge: 'Bearer realm="portcullis", error="invalid_token"',
      })
      expect(calls).toEqual([])
    })

    it('allows a token the verifier accepts when the toggle is on', async () => {
      const decision = await run(request('/rest/api/2/myself', bearer('host-alice')), { config: on(), stores: withVerifier() })
      expect(decision.kind === 'allow' && [decision.user.username, decision.via, decision.tokenId]).toEqual(['alice', 'host-token', undefined])
      expect(decision.audit.via).toBe('host-token')
      expect(calls).toEqual(['host-alice'])
    })

    it('refuses a token the verifier rejects, or whose user is unknown', async () => {
      for (const token of ['host-unknown', 'host-ghost']) {
        expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { config: on(), stores: withVerifier() }), {
          error: 'api_token_invalid',
          status: 401,
          body: bodies.api_token_invalid,
          challenge: 'Bearer realm="portcullis", error="invalid_token"',
        })
      }
    })

    it('refuses the token of a deactivated user with 403', async () => {
      expectDeny(await run(request('/rest/api/2/myself', bearer('host-gone')), { config: on(), stores: withVerifier() }), {
        error: 'token_use_denied',
        status: 403,
        body: bodies.token_use_denied,
        challenge: 'Bearer realm="portcullis", error="insufficient_scope"',
      })
    })

    it('refuses them when the toggle is on but no verifier was given', async () => {
      expect((await run(request('/rest/api/2/myself', bearer('host-alice')), { config: on() })).kind).toBe('deny')
    })

    it('never hands a Portcullis-shaped token to the verifier', async () => {
      await run(request('/rest/api/2/myself', bearer(generateToken().token)), { config: on(), stores: withVerifier() })
      expect(calls).toEqual([])
    })

    describe('native OAuth tokens', () => {
      let oauthCalls: string[]
      const oauthVerifier = (token: string) => {
        oauthCalls.push(token)
        return ({ 'oauth-bob': 'bob', 'oauth-gone': 'gone', 'oauth-ghost': 'ghost' } as Record<string, string>)[token]
      }
      const both = (toggles: { enabled?: boolean; oauth?: boolean }) => ({
        config: loadConfig({ hostTokens: toggles }),
        stores: { ...stores, hostTokens: verifier, hostOAuthTokens: oauthVerifier },
      })

      beforeEach(() => {
        oauthCalls = []
      })

      it('are allowed behind hostTokens.oauth alone, via host-oauth, without asking the personal-token verifier', async () => {
        const decision = await run(request('/rest/api/2/myself', bearer('oauth-bob')), both({ oauth: true }))
        expect(decision.kind === 'allow' && [decision.user.username, decision.via]).toEqual(['bob', 'host-oauth'])
        expect(decision.audit.via).toBe('host-oauth')
        expect([calls, oauthCalls]).toEqual([[], ['oauth-bob']])
      })

      it('are refused, without asking their verifier, while hostTokens.oauth is off', async () => {
        const decision = await run(request('/rest/api/2/myself', bearer('oauth-bob')), both({ enabled: true }))
        expect(decision.kind === 'deny' && decision.error).toBe('api_token_invalid')
        expect([calls, oauthCalls]).toEqual([['oauth-bob'], []])
      })

      it('come second with both toggles on: a personal access token never reaches the OAuth verifier', async () => {
        const personal = await run(request('/rest/api/2/myself', bearer('host-alice')), both({ enabled: true, oauth: true }))
        expect(personal.kind === 'allow' && personal.via).toBe('host-token')
        const native = await run(request('/rest/api/2/myself', bearer('oauth-bob')), both({ enabled: true, oauth: true }))
        expect(native.kind === 'allow' && native.via).toBe('host-oauth')
        expect([calls, oauthCalls]).toEqual([['host-alice', 'oauth-bob'], ['oauth-bob']])
      })

      it('are never asked about a token the personal-token verifier named, even for a user missing or deactivated', async () => {
        for (const [token, status] of [['host-ghost', 401], ['host-gone', 403]] as const) {
          const refused = await run(request('/rest/api/2/myself', bearer(token)), both({ enabled: true, oauth: true }))
          expect(refused.kind === 'deny' && refused.status).toBe(status)
        }
        expect(oauthCalls).toEqual([])
      })

      it('of a deactivated user are refused with 403; unknown ones, or of a user the directory lacks, with 401', async () => {
        const gone = await run(request('/rest/api/2/myself', bearer('oauth-gone')), both({ oauth: true }))
        expect(gone.kind === 'deny' && [gone.error, gone.status]).toEqual(['token_use_denied', 403])
        for (const token of ['oauth-nobody', 'oauth-ghost']) {
          const refused = await run(request('/rest/api/2/myself', bearer(token)), both({ enabled: true, oauth: true }))
          expect(refused.kind === 'deny' && [refused.error, refused.status]).toEqual(['api_token_invalid', 401])
        }
      })
    })
  })

  describe('failing stores (fail closed)', () => {
    const down = () => {
      throw new Error('connection refused')
    }
    const brokenTokens = (): TokenStore => ({ insert: down, findByHash: down, findById: down, listByOwner: down, delete: down, deleteExpired: down })
    const rejectingTokens = (): TokenStore => ({
      ...brokenTokens(),
      findByHash: () => Promise.reject(new Error('timeout')),
    })
    const brokenUsers = (): UserDirectory => ({ find: down, verifyPassword: down })
    const unavailable = { error: 'store_unavailable', status: 503, body: bodies.store_unavailable }

    it('refuses with 503 when the token store throws', async () => {
      const { token } = issue('alice')
      const deny = expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { stores: { ...stores, tokens: brokenTokens() } }), {
        ...unavailable,
        challenge: 'Bearer realm="portcullis"',
      })
      expect(deny.audit.outcome).toBe('unavailable')
    })

    it('refuses with 503 when the token store rejects', async () => {
      const { token } = issue('alice')
      expectDeny(await run(request('/rest/api/2/myself', basic('alice', token)), { stores: { ...stores, tokens: rejectingTokens() } }), {
        ...unavailable,
        challenge: undefined,
      })
    })

    it('refuses with 503 when the directory throws, for tokens and passwords', async () => {
      const { token } = issue('alice')
      const broken = { ...stores, users: brokenUsers() }
      expectDeny(await run(request('/rest/api/2/myself', bearer(token)), { stores: broken }), { ...unavailable, challenge: 'Bearer realm="portcullis"' })
      expectDeny(await run(request('/rest/api/2/myself', basic('alice', 'alice:pw')), { stores: broken }), { ...unavailable, challenge: undefined })
    })

    it("refuses with 503 when the host's verifier throws", async () => {
      const decision = await run(request('/rest/api/2/myself', bearer('host-x')), {
        config: loadConfig({ hostTokens: { enabled: true } }),
        stores: { ...stores, hostTokens: () => Promise.reject(new Error('down')) },
      })
      expectDeny(decision, { ...unavailable, challenge: 'Bearer realm="portcullis"' })
    })

    it('still answers requests that need no store', async () => {
      const broken = { ...stores, tokens: brokenTokens(), users: brokenUsers() }
      expect((await run(request('/status'), { stores: broken })).kind).toBe('pass')
      expectDeny(await run(request('/rest/api'), { stores: broken }), {
        error: 'credentials_missing',
        status: 401,
        body: bodies.credentials_missing,
        challenge: 'Bearer realm="portcullis"',
      })
    })
  })

  describe('audit records', () => {
    it('never hold the token or the password, and drop the query string', async () => {
      const { token } = issue('alice')
      const unknown = generateToken().token
      const secrets = [token, unknown, 'alice:pw', 'wrong-password', 'topsecret', 'host-secret']
      const decisions = await Promise.all([
        run(request('/rest/api/2/myself?os_password=topsecret', bearer(token))),
        run(request('/rest/api/2/myself?token=topsecret', basic('alice', token))),
        run(request('/rest/api/2/myself?x=topsecret', bearer(unknown))),
        run(request('/rest/api/2/myself?os_password=topsecret', basic('alice', 'alice:pw'))),
        run(request('/rest/api/2/myself?os_password=topsecret', basic('alice', 'wrong-password'))),
        run(request('/rest/%zz?os_password=topsecret', bearer(token))),
        run(request('/rest/%zz#os_password=topsecret', bearer(token))),
        run(request('/rest/x', bearer('host-secret')), { config: loadConfig({ hostTokens: { enabled: true } }) }),
        run(request('http://alice:topsecret@/rest/api', basic('alice', 'alice:pw'))),
        run(request('/status?os_password=topsecret')),
        run(request('/rest/x?os_password=topsecret', bearer(token)), { config: loadConfig({ enabled: false }) }),
      ])
      for (const decision of decisions) {
        const text = JSON.stringify(decision.audit)
        for (const secret of secrets) expect(text).not.toContain(secret)
        expect(decision.audit.path).not.toContain('?')
      }
      expect(decisions[0]!.audit.path).toBe('/rest/api/2/myself')
      expect(decisions[5]!.audit.path).toBe('/rest/%zz')
    })

    it('record the normalised path, method, client and time', async () => {
      const decision = await run(request('//REST//api;jsessionid=abc/%32/?q=1', undefined, 'POST'), { at: now + 5 })
      expect(decision.audit).toEqual({
        time: now + 5,
        event: 'authenticate',
        outcome: 'unauthorized',
        reason: 'credentials_missing',
        method: 'POST',
        path: '/REST/api/2',
        client: '192.0.2.10',
      })
    })

    it('record a path with a dot segment as sent, without the query or ;parameters (a session id), refused as path_invalid', async () => {
      const decision = await run(request('//REST/./x/../api;jsessionid=abc/2?q=1', undefined, 'POST'), { at: now + 5 })
      expect(decision.audit).toEqual({
        time: now + 5,
        event: 'authenticate',
        outcome: 'rejected',
        reason: 'path_invalid',
        method: 'POST',
        path: '//REST/./x/../api/2',
        client: '192.0.2.10',
      })
    })

    it('escape control characters so a request cannot forge a log line', async () => {
      const decision = await run({ method: 'GET\n', target: '/rest/a%0Ab', headers: new Headers(), peer: 'x\r\ny' })
      expect(decision.audit.method).toBe('GET\\x0a')
      expect(decision.audit.path).toBe('/rest/a%0Ab')
      expect(decision.audit.client).toBe('x\\x0d\\x0ay')
    })

    it('use the injected clock', async () => {
      expect((await run(request('/rest/api'), { at: 42 })).audit.time).toBe(42)
      expect((await run(request('/status'), { at: 43 })).audit.time).toBe(43)
    })
  })

  it('counts failed passwords across calls that share providers, and not across calls that do not, when the stores keep no throttle', async () => {
    const strict = loadConfig({ passwordLockout: { maxFailures: 2 } })
    const { loginThrottle: _shared, ...withoutThrottle } = stores
    const wrong = () => request('/rest/api', basic('alice', 'wrong'))
    const attempt = (providers?: ReturnType<typeof createProviders>) =>
      authenticate(wrong(), strict, withoutThrottle, { now: () => now, ...(providers && { providers }) })

    for (let i = 0; i < 3; i++) {
      const fresh = await attempt()
      expect(fresh.kind === 'deny' && fresh.error).toBe('password_invalid')
    }

    const providers = createProviders(strict, { now: () => now })
    await attempt(providers)
    await attempt(providers)
    const locked = await attempt(providers)
    expect(locked.kind === 'deny' && locked.error).toBe('login_throttled')
    expect((locked as Deny).headers['retry-after']).toBe('300')
  })

  it("counts failed passwords in the stores' throttle, shared by every engine on those stores", async () => {
    const strict = loadConfig({ passwordLockout: { maxFailures: 2, lockSeconds: 60 } })
    // Two fresh provider sets: two instances behind a load balancer, one store.
    const attempt = (password: string) => authenticate(request('/rest/api', basic('alice', password)), strict, stores, { now: () => now, providers: createProviders(strict) })
    expect((await attempt('wrong')).kind).toBe('deny')
    const second = await attempt('wrong')
    expect(second.kind === 'deny' && [second.error, second.audit.detail]).toEqual(['password_invalid', 'wrong credentials; attempts locked for 60 s'])
    const locked = await attempt('alice:pw')
    expect(locked.kind === 'deny' && [locked.error, locked.headers['retry-after']]).toEqual(['login_throttled', '60'])
    expect(await stores.loginThrottle.begin(['user:alice'], 'next', { maxFailures: 2, windowMs: 900_000, lockMs: 60_000, leaseMs: 5_000 }, now)).toBe(60_000)
  })

  it('counts guesses at a username and at its email address as one account', async () => {
    const strict = loadConfig({ passwordLockout: { maxFailures: 2 } })
    const providers = createProviders(strict)
    const guess = (name: string, peer: string) => authenticate({ ...request('/rest/api', basic(name, 'wrong')), peer }, strict, stores, { now: () => now, providers })
    expect((await guess('alice', '192.0.2.1')).kind).toBe('deny')
    const second = await guess('ALICE@example.com', '192.0.2.2')
    expect(second.kind === 'deny' && second.audit.detail).toBe('wrong credentials; attempts locked for 300 s')
    const third = await guess('alice', '192.0.2.3')
    expect(third.kind === 'deny' && third.error).toBe('login_throttled')
  })

  it('refuses a password attempt with 503 when the throttle store answers something other than a wait', async () => {
    for (const answer of [Number.NaN, -5, undefined]) {
      let checked = false
      const odd: Stores = {
        ...stores,
        users: { find: (name) => stores.users.find(name), verifyPassword: () => ((checked = true), true) },
        loginThrottle: { begin: () => answer as number, settle: () => false },
      }
      const decision = await authenticate(request('/rest/api', basic('alice', 'alice:pw')), config, odd, { now: () => now })
      expect(decision.kind === 'deny' && [decision.status, decision.error]).toEqual([503, 'store_unavailable'])
      expect(checked).toBe(false)
    }
  })

  it('checks at most maxFailures passwords of a burst of parallel guesses', async () => {
    const strict = loadConfig({ passwordLockout: { maxFailures: 3 } })
    let checks = 0
    const users: UserDirectory = {
      find: (name) => stores.users.find(name),
      verifyPassword: async (name, password) => {
        checks++
        await new Promise((resolve) => setTimeout(resolve, 5))
        return stores.users.verifyPassword(name, password)
      },
    }
    const providers = createProviders(strict)
    const guesses = Array.from({ length: 20 }, (_, i) => authenticate(request('/rest/api', basic('alice', `guess-${i}`)), strict, { ...stores, users }, { now: () => now, providers }))
    const decisions = await Promise.all(guesses)
    expect(checks).toBe(3)
    // Refused until the first place frees: at the latest when the first check's lease ends (providers.timeoutMs + 4 stores.timeoutMs).
    expect(decisions.filter((d) => d.kind === 'deny' && d.error === 'login_throttled').map((d) => (d as Deny).headers['retry-after'])).toEqual(Array(17).fill('7'))
    // The three checked guesses failed: the third locked the username and the address.
    const next = await authenticate(request('/rest/api', basic('alice', 'alice:pw')), strict, stores, { now: () => now + 1000, providers })
    expect(next.kind === 'deny' && next.error).toBe('login_throttled')
  })

  it('refuses a password attempt with 503 when the throttle store fails, without checking the password', async () => {
    let checked = false
    const failing: Stores = {
      ...stores,
      users: { ...stores.users, find: stores.users.find.bind(stores.users), verifyPassword: () => ((checked = true), false) },
      loginThrottle: { begin: () => Promise.reject(new Error('down')), settle: () => false },
    }
    const decision = await authenticate(request('/rest/api', basic('alice', 'secret')), config, failing, { now: () => now })
    expect(decision.kind === 'deny' && [decision.status, decision.error]).toEqual([503, 'store_unavailable'])
    expect(checked).toBe(false)
  })

  it('uses Date.now when no clock is given', async () => {
    const before = Date.now()
    const decision = await authenticate(request('/rest/api'), config, stores)
    expect(decision.audit.time >= before && decision.audit.time <= Date.now()).toBe(true)
  })
})
