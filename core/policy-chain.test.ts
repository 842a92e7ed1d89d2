import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'
import type { AuditRecord, RateLimitStore, Stores } from '../storage/types.ts'
import { ConfigError, loadConfig, type Config } from './config/load.ts'
import type { ConfigInput } from './config/schema.ts'
import type { Decision, Deny } from './decision.ts'
import { authenticate } from './engine.ts'
import { createPortcullis } from './portcullis.ts'
import type { AuthRequest } from './request.ts'
import { generateToken, generateTokenId } from './tokens/format.ts'

const now = Date.UTC(2025, 0, 15, 12, 0, 0)

const bodies = {
  ip_not_allowed: '{"error":{"status":"ERROR","message":"Not valid IP address/Range"}}',
  group_not_allowed: '{"error":{"status":"ERROR","message":"User is not allowed to authenticate"}}',
  read_only_write: '{"error":{"status":"ERROR","message":"User does not have permission to execute this operation"}}',
  public_api_restricted: '{"error":{"status":"ERROR","message":"Authentication required: this public API is restricted"}}',
  rate_limited: '{"error":{"status":"ERROR","message":"Rate limit exceeded: retry later"}}',
  store_unavailable: '{"error":{"status":"ERROR","message":"Authentication service unavailable"}}',
  credentials_missing: '{"error":{"status":"ERROR","message":"Authentication required"}}',
  api_token_invalid: '{"error":{"status":"ERROR","message":"Provided API key is invalid"}}',
  password_invalid: '{"error":{"status":"ERROR","message":"Invalid username or password"}}',
  path_invalid: '{"error":{"status":"ERROR","message":"Malformed request path"}}',
}

const basic = (username: string, secret: string) => `Basic ${btoa(`${username}:${secret}`)}`
const bearer = (token: string) => `Bearer ${token}`

interface RequestOptions {
  readonly authorization?: string
  readonly method?: string
  readonly peer?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

function request(target: string, options: RequestOptions = {}): AuthRequest {
  const headers = new Headers(options.headers)
  if (options.authorization !== undefined) headers.set('authorization', options.authorization)
  const body = options.body
  return {
    method: options.method ?? 'GET',
    target,
    headers,
    peer: options.peer ?? '192.0.2.10',
    ...(body !== undefined && { body: async () => body }),
  }
}

function expectDeny(decision: Decision | { kind: string }, error: string, status: number, body: string): Deny {
  expect(decision.kind).toBe('deny')
  const deny = decision as Deny
  expect([deny.error, deny.status, deny.body]).toEqual([error, status, body])
  expect(deny.headers['content-type']).toBe('application/json;charset=UTF-8')
  expect(deny.audit.reason).toBe(error)
  return deny
}

describe('the policy chain', () => {
  let stores: MemoryStores
  let aliceToken: string
  let aliceTokenId: string

  const run = (req: AuthRequest, config: ConfigInput | Config, options: { stores?: Stores; at?: number } = {}) =>
    authenticate(req, 'compiled' in config ? (config as Config) : loadConfig(config), options.stores ?? stores, { now: () => options.at ?? now })

  function issue(owner: string): { token: string; id: string } {
    const { token, hash } = generateToken()
    const id = generateTokenId()
    stores.tokens.insert({ id, hash, owner, name: 'test', createdAt: now - 1, expiresAt: null, createdBy: owner }, 100)
    return { token, id }
  }

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', password: 'alice-pw', email: 'alice@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'vera', password: 'vera-pw', groups: ['developers', 'viewers'] })
    await stores.users.add({ username: 'otto', password: 'otto-pw', groups: ['outsiders'] })
    await stores.users.add({ username: 'root', password: 'root-pw', groups: ['admins'] })
    ;({ token: aliceToken, id: aliceTokenId } = issue('alice'))
  })

  describe('IP allowlist', () => {
    const network = { network: { allow: ['192.0.2.0/24', '2001:db8::/32'] } }

    it('allows a client inside the ranges', async () => {
      for (const peer of ['192.0.2.10', '192.0.2.255', '2001:db8::5', '::ffff:192.0.2.7', '[2001:db8::5]']) {
        const decision = await run(request('/rest/api/2/myself', { authorization: bearer(aliceToken), peer }), network)
        expect([peer, decision.kind]).toEqual([peer, 'allow'])
      }
    })

    it('refuses a client outside them with 403 ip_not_allowed, before looking at any credential', async () => {
      for (const authorization of [bearer(aliceToken), basic('alice', 'alice-pw'), basic('alice', aliceToken), bearer('junk'), 'Digest x', undefined]) {
        const deny = expectDeny(
          await run(request('/rest/api/2/myself', { peer: '198.51.100.7', ...(authorization !== undefined && { authorization }) }), network),
          'ip_not_allowed',
          403,
          bodies.ip_not_allowed,
        )
        expect(deny.headers['www-authenticate']).toBeUndefined()
        expect(deny.audit).toEqual({
          time: now,
          event: 'authenticate',
          outcome: 'forbidden',
          reason: 'ip_not_allowed',
          method: 'GET',
          path: '/rest/api/2/myself',
          client: '198.51.100.7',
        })
      }
    })

    it('refuses a client of the other family and one that cannot be parsed', async () => {
      for (const peer of ['::1', '::ffff:198.51.100.7', '2001:db9::1', 'garbage', '', '10']) {
        const decision = await run(request('/rest/api/2/myself', { authorization: bearer(aliceToken), peer }), network)
        expect([peer, decision.kind === 'deny' && decision.error]).toEqual([peer, 'ip_not_allowed'])
      }
    })

    it('does not consult the stores for a refused client', async () => {
      const down = () => {
        throw new Error('down')
      }
      const tokens = { insert: down, findByHash: down, findById: down, listByOwner: down, delete: down, deleteExpired: down }
      const broken: Stores = { ...stores, tokens, users: { find: down, verifyPassword: down }, rateLimit: { consume: down } }
      expectDeny(await run(request('/rest/x', { authorization: bearer(aliceToken), peer: '198.51.100.7' }), network, { stores: broken }), 'ip_not_allowed', 403, bodies.ip_not_allowed)
    })

    it('allows every address when the list is empty', async () => {
      for (const peer of ['198.51.100.7', '::1', 'not-an-address']) {
        const decision = await run(request('/rest/api/2/myself', { authorization: bearer(aliceToken), peer }), { network: { allow: [] } })
        expect([peer, decision.kind, decision.audit.client]).toEqual([peer, 'allow', peer])
      }
    })

    it('leaves requests outside the protected prefix alone', async () => {
      const decision = await run(request('/status', { peer: '198.51.100.7' }), network)
      expect(decision.kind === 'pass' && decision.reason).toBe('outside-prefix')
    })
  })

  describe('behind trusted proxies', () => {
    const behindProxy = { network: { allow: ['192.0.2.0/24'], trustedProxies: ['10.0.0.0/8'] } }
    const via = (peer: string, forwarded: string | undefined, header = 'X-Forwarded-For') =>
      request('/rest/api/2/myself', { authorization: bearer(aliceToken), peer, headers: forwarded === undefined ? {} : { [header]: forwarded } })

    it('judges the client the trusted proxy names, and records it', async () => {
      const decision = await run(via('10.0.0.2', '192.0.2.50'), behindProxy)
      expect([decision.kind, decision.audit.client]).toEqual(['allow', '192.0.2.50'])
      const chained = await run(via('10.0.0.2', '192.0.2.50, 10.0.0.9, 10.1.1.1'), behindProxy)
      expect([chained.kind, chained.audit.client]).toEqual(['allow', '192.0.2.50'])
    })

    it('refuses an outside client behind the proxy, and a spoofed entry cannot help it', async () => {
      for (const forwarded of ['198.51.100.7', '192.0.2.50, 198.51.100.7', '192.0.2.50,198.51.100.7, 10.0.0.3']) {
        const deny = expectDeny(await run(via('10.0.0.2', forwarded), behindProxy), 'ip_not_allowed', 403, bodies.ip_not_allowed)
        expect(deny.audit.client).toBe('198.51.100.7')
      }
    })

    it('ignores the header from a peer that is not a trusted proxy', async () => {
      const deny = expectDeny(await run(via('198.51.100.7', '192.0.2.50'), behindProxy), 'ip_not_allowed', 403, bodies.ip_not_allowed)
      expect(deny.audit.client).toBe('198.51.100.7')
      expect((await run(via('192.0.2.8', '198.51.100.7'), behindProxy)).kind).toBe('allow')
    })

    it('judges the proxy itself when it sends no header', async () => {
      expectDeny(await run(via('10.0.0.2', undefined), behindProxy), 'ip_not_allowed', 403, bodies.ip_not_allowed)
      const proxyAllowed = { network: { allow: ['10.0.0.0/8'], trustedProxies: ['10.0.0.0/8'] } }
      expect((await run(via('10.0.0.2', undefined), proxyAllowed)).kind).toBe('allow')
    })

    it('refuses an unknown client: garbage from a trusted proxy is never believed', async () => {
      for (const forwarded of ['garbage', '192.0.2.50, garbage', '', '192.0.2.50:443', 'unknown']) {
        const deny = expectDeny(await run(via('10.0.0.2', forwarded), behindProxy), 'ip_not_allowed', 403, bodies.ip_not_allowed)
        expect([forwarded, deny.audit.client]).toEqual([forwarded, 'unknown'])
      }
    })

    it('reads the configured header instead, as a single address', async () => {
      const realIp = { network: { ...behindProxy.network, clientAddressHeader: 'X-Real-IP' } }
      expect((await run(via('10.0.0.2', '192.0.2.50', 'X-Real-IP'), realIp)).audit.client).toBe('192.0.2.50')
      expect((await run(via('10.0.0.2', '192.0.2.50', 'x-real-ip'), realIp)).kind).toBe('allow')
      // X-Forwarded-For is not read any more...
      expectDeny(await run(via('10.0.0.2', '192.0.2.50'), realIp), 'ip_not_allowed', 403, bodies.ip_not_allowed)
      // ...and a list in X-Real-IP is garbage.
      expect((await run(via('10.0.0.2', '192.0.2.50, 192.0.2.51', 'X-Real-IP'), realIp)).audit.client).toBe('unknown')
    })

    it('records the resolved client even without an allowlist', async () => {
      const proxiesOnly = { network: { trustedProxies: ['10.0.0.0/8'] } }
      const decision = await run(via('10.0.0.2', '203.0.113.4'), proxiesOnly)
      expect([decision.kind, decision.audit.client]).toEqual(['allow', '203.0.113.4'])
      // A plain header reader: web Headers would refuse CR/LF, an adapter's own reader may not.
      const raw: AuthRequest = { ...via('10.0.0.2', undefined), headers: { get: (name) => ({ authorization: bearer(aliceToken), 'x-forwarded-for': 'x\r\ny' })[name] ?? null } }
      const garbage = await run(raw, proxiesOnly)
      expect([garbage.kind, garbage.audit.client]).toEqual(['allow', 'unknown'])
    })
  })

  describe('bypass', () => {
    const config = { paths: { bypass: ['/rest/api/2/serverInfo', '/rest/health/**'] } }

    it('passes a listed path without looking at credentials, audited as bypass', async () => {
      for (const authorization of [undefined, 'Bearer junk', bearer(aliceToken)]) {
        const decision = await run(request('/rest/api/2/serverInfo', authorization === undefined ? {} : { authorization }), config)
        expect(decision.kind === 'pass' && decision.reason).toBe('bypass')
        expect(decision.audit).toEqual({ time: now, event: 'authenticate', outcome: 'bypass', reason: 'bypass', method: 'GET', path: '/rest/api/2/serverInfo', client: '192.0.2.10' })
      }
      expect((await run(request('/rest/health/db/ping'), config)).kind).toBe('pass')
    })

    it('matches only the plain, exact spelling: any other spelling is authenticated', async () => {
      for (const target of ['/rest/api/2/serverInfo', '/rest/api/2/serverInfo/?x=1', 'http://example.com/rest/api/2/serverInfo']) {
        const decision = await run(request(target), config)
        expect([target, decision.kind === 'pass' && decision.reason]).toEqual([target, 'bypass'])
      }
      // A router that does not cut `;x`, decode `%61` or split on `\\` routes these elsewhere (`/rest/api/2/:key`, say).
      for (const target of [
        '/rest/api/2/serverinfo', '/REST/api/2/serverInfo', '/rest/health%2F..%2Fapi/2/myself', '/rest/api/2/serverInfo/x',
        '//rest/api/2/serverInfo', '/rest;x=1/api/2/serverInfo', '/rest/api/2/serverInfo;x', '/rest\\api\\2\\serverInfo', '/rest/%61pi/2/serverInfo',
      ]) {
        const decision = await run(request(target), config)
        expect([target, decision.kind === 'deny' && decision.error]).toEqual([target, 'credentials_missing'])
      }
    })

    it('never matches a spelling with a dot segment: 400 path_invalid, even one that resolves to a listed path', async () => {
      for (const target of ['//rest/./api/2/serverInfo/?x=1', '/rest/api/2/serverInfo/../myself', '/rest/api/2/myself/../serverInfo', '/rest/health/%2e%2e/api/2/myself', '/rest/health/..;x/..;x/api/2/myself']) {
        expectDeny(await run(request(target), config), 'path_invalid', 400, bodies.path_invalid)
      }
    })

    it('refuses with 400 path_invalid a path whose readings disagree, rather than let it through', async () => {
      const lists = { paths: { bypass: ['/rest/api/2/serverInfo', '/public/**'], anonymous: ['/rest/api/2/public'] } }
      for (const target of [
        // A router decoding %2F reads /rest/api/2/issue/serverInfo.
        '/rest/api/2/issue/10000/x%2Fy/../../../serverInfo',
        // A WHATWG router reads /rest/..;x/status, under the prefix.
        '/rest/..;x/status',
        // A WHATWG router reads /rest/status.
        '/rest//../status',
        'http://example.com/rest//../status',
        // A router decoding %5C reads /rest/api/2/myself/public.
        '/rest/api/2/myself/x%5Cy/../../public',
      ]) {
        const deny = expectDeny(await run(request(target, { authorization: bearer(aliceToken) }), lists), 'path_invalid', 400, bodies.path_invalid)
        expect([target, deny.audit.outcome]).toEqual([target, 'rejected'])
      }
    })

    it('skips the IP allowlist too: the engine does not judge the path at all', async () => {
      const decision = await run(request('/rest/api/2/serverInfo', { peer: '198.51.100.7' }), { ...config, network: { allow: ['192.0.2.0/24'] } })
      expect([decision.kind, decision.audit.outcome, decision.audit.client]).toEqual(['pass', 'bypass', '198.51.100.7'])
    })

    it('is appended to the audit store by handle', async () => {
      const portcullis = createPortcullis({ config, stores, now: () => now })
      const outcome = await portcullis.handle(request('/rest/api/2/serverInfo'))
      expect(outcome.kind).toBe('pass')
      expect(stores.audit.query()).toEqual([outcome.audit])
      expect(stores.audit.query({ outcome: 'bypass' })).toHaveLength(1)
    })
  })

  describe('anonymous and restricted public APIs', () => {
    const config = { paths: { anonymous: ['/rest/public/**', '/rest/api/2/serverInfo'], restricted: ['/rest/public/secret/**'] } }

    it('passes an anonymous path without credentials, unaudited by handle', async () => {
      const decision = await run(request('/rest/public/docs'), config)
      expect(decision.kind === 'pass' && decision.reason).toBe('anonymous')
      expect(decision.audit.outcome).toBe('pass')
      const portcullis = createPortcullis({ config, stores, now: () => now })
      expect((await portcullis.handle(request('/rest/public/docs'))).kind).toBe('pass')
      expect(stores.audit.query()).toEqual([])
    })

    it('still checks credentials sent to an anonymous path', async () => {
      expectDeny(await run(request('/rest/public/docs', { authorization: bearer(generateToken().token) }), config), 'api_token_invalid', 401, bodies.api_token_invalid)
      expectDeny(await run(request('/rest/public/docs', { authorization: basic('alice', 'wrong') }), config), 'password_invalid', 401, bodies.password_invalid)
      const decision = await run(request('/rest/public/docs', { authorization: bearer(aliceToken) }), config)
      expect(decision.kind === 'allow' && decision.user.username).toBe('alice')
    })

    it('matches anonymous paths case-sensitively: another spelling must authenticate', async () => {
      expectDeny(await run(request('/rest/PUBLIC/docs'), config), 'credentials_missing', 401, bodies.credentials_missing)
      expectDeny(await run(request('/rest/public%2F..%2F..%2Fapi/2/myself'), config), 'credentials_missing', 401, bodies.credentials_missing)
    })

    it('refuses a restricted path without credentials with 401 public_api_restricted, in any spelling', async () => {
      for (const target of ['/rest/public/secret', '/rest/public/secret/x', '/rest/Public/SECRET/x', '/rest/public/secret/a%2Fb', '/rest;x=1/public//secret', '/rest\\public\\secret', '/rest/%70ublic/secret/']) {
        const deny = expectDeny(await run(request(target), config), 'public_api_restricted', 401, bodies.public_api_restricted)
        expect(deny.headers['www-authenticate']).toBe('Bearer realm="portcullis"')
        expect(deny.audit.outcome).toBe('unauthorized')
      }
      // A dot-segment spelling is refused before either list is consulted: never let through as anonymous.
      for (const target of ['/rest;x=1/public/./secret', '/rest/public/x/../secret', '/rest/public/secret/%2e%2e/secret/x']) {
        const deny = expectDeny(await run(request(target), config), 'path_invalid', 400, bodies.path_invalid)
        expect([target, deny.audit.outcome]).toEqual([target, 'rejected'])
      }
      // An encoded slash is not decoded into the restricted pattern, but the anonymous list never lets it through either.
      expectDeny(await run(request('/rest/public/secret%2Fx'), config), 'credentials_missing', 401, bodies.credentials_missing)
    })

    it('allows a restricted path with valid credentials', async () => {
      const decision = await run(request('/rest/public/secret/x', { authorization: basic('alice', 'alice-pw') }), config)
      expect(decision.kind === 'allow' && decision.via).toBe('password')
    })

    it('refuses anonymous requests from outside the IP allowlist', async () => {
      const guarded = { ...config, network: { allow: ['192.0.2.0/24'] } }
      expectDeny(await run(request('/rest/public/docs', { peer: '198.51.100.7' }), guarded), 'ip_not_allowed', 403, bodies.ip_not_allowed)
    })
  })

  describe('allow API access (groups)', () => {
    const config = { access: { allowedGroups: ['developers'] } }

    it('refuses a user in none of the groups with 403 group_not_allowed, for tokens and passwords', async () => {
      const { token } = issue('otto')
      for (const authorization of [bearer(token), basic('otto', token), basic('otto', 'otto-pw')]) {
        const deny = expectDeny(await run(request('/rest/api/2/myself', { authorization }), config), 'group_not_allowed', 403, bodies.group_not_allowed)
        expect(deny.audit).toMatchObject({ outcome: 'forbidden', reason: 'group_not_allowed', user: 'otto' })
      }
    })

    it('refuses admins too when they are not in an allowed group', async () => {
      expectDeny(await run(request('/rest/x', { authorization: basic('root', 'root-pw') }), config), 'group_not_allowed', 403, bodies.group_not_allowed)
    })

    it('allows members', async () => {
      expect((await run(request('/rest/x', { authorization: bearer(aliceToken) }), config)).kind).toBe('allow')
      expect((await run(request('/rest/x', { authorization: basic('vera', 'vera-pw') }), config)).kind).toBe('allow')
    })

    it('keeps a wrong credential a 401: groups are checked only once the user is known', async () => {
      expectDeny(await run(request('/rest/x', { authorization: basic('otto', 'wrong') }), config), 'password_invalid', 401, bodies.password_invalid)
    })
  })

  describe('read-only groups', () => {
    const config = { access: { readOnlyGroups: ['viewers'] } }

    it('refuse a write with 401 read_only_write, for tokens and passwords', async () => {
      const { token } = issue('vera')
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        for (const authorization of [bearer(token), basic('vera', 'vera-pw')]) {
          const deny = expectDeny(await run(request('/rest/api/2/issue', { authorization, method }), config), 'read_only_write', 401, bodies.read_only_write)
          expect(deny.audit).toMatchObject({ outcome: 'forbidden', user: 'vera', method })
        }
      }
    })

    it('allow GET, HEAD and OPTIONS', async () => {
      for (const method of ['GET', 'HEAD', 'OPTIONS']) {
        const decision = await run(request('/rest/api/2/issue', { authorization: basic('vera', 'vera-pw'), method }), config)
        expect([method, decision.kind]).toEqual([method, 'allow'])
      }
    })

    it('leave other users free to write', async () => {
      expect((await run(request('/rest/api/2/issue', { authorization: bearer(aliceToken), method: 'POST' }), config)).kind).toBe('allow')
    })

    it('exempt the token API: a read-only member may create a token', async () => {
      expect((await run(request('/rest/auth/1/token', { authorization: basic('vera', 'vera-pw'), method: 'POST' }), config)).kind).toBe('allow')
      const portcullis = createPortcullis({ config, stores, now: () => now })
      const outcome = await portcullis.handle(
        request('/rest/auth/1/token', { authorization: basic('vera', 'vera-pw'), method: 'POST', body: '{"name":"ci","validity":"6m"}' }),
      )
      expect([outcome.kind, 'status' in outcome && outcome.status]).toEqual(['respond', 201])
      expect(stores.tokens.listByOwner('vera')).toHaveLength(1)
    })
  })

  describe('rate limits', () => {
    const limited = { rateLimit: { enabled: true, limit: 2, windowSeconds: 60 } }
    const headers = (remaining: number, seconds: number) => ({
      'ratelimit-policy': '"default";q=2;w=60',
      ratelimit: `"default";r=${remaining};t=${seconds}`,
    })
    const call = (authorization: string, at = now) => run(request('/rest/api/2/myself', { authorization }), limited, { at })

    it('give allowed decisions the RateLimit headers', async () => {
      const first = await call(bearer(aliceToken))
      expect(first.kind === 'allow' && first.headers).toEqual(headers(1, 60))
      const second = await call(bearer(aliceToken), now + 15_000)
      expect(second.kind === 'allow' && second.headers).toEqual(headers(0, 45))
    })

    it('refuse the request over the limit with 429, Retry-After and the RateLimit headers', async () => {
      await call(bearer(aliceToken))
      await call(bearer(aliceToken), now + 15_000)
      const deny = expectDeny(await call(bearer(aliceToken), now + 20_000), 'rate_limited', 429, bodies.rate_limited)
      expect(deny.headers).toEqual({
        'content-type': 'application/json;charset=UTF-8',
        'www-authenticate': 'Bearer realm="portcullis"',
        ...headers(0, 40),
        'retry-after': '40',
      })
      expect(deny.audit).toMatchObject({ outcome: 'rate-limited', reason: 'rate_limited', user: 'alice', tokenId: aliceTokenId })
    })

    it('allow again once the oldest request leaves the window', async () => {
      await call(bearer(aliceToken))
      await call(bearer(aliceToken), now + 15_000)
      expect((await call(bearer(aliceToken), now + 59_999)).kind).toBe('deny')
      expect((await call(bearer(aliceToken), now + 60_000)).kind).toBe('allow')
      expect((await call(bearer(aliceToken), now + 60_001)).kind).toBe('deny')
    })

    it('count each token separately, even two tokens of one user', async () => {
      const second = issue('alice').token
      await call(bearer(aliceToken))
      await call(basic('alice', aliceToken))
      expect((await call(bearer(aliceToken))).kind).toBe('deny')
      expect((await call(bearer(second))).kind).toBe('allow')
      expect((await call(basic('alice@example.com', second))).kind).toBe('allow')
      expect((await call(bearer(second))).kind).toBe('deny')
    })

    it('count password logins per user, whatever name they log in with, apart from their tokens', async () => {
      await call(basic('alice', 'alice-pw'))
      await call(basic('alice@example.com', 'alice-pw'))
      const deny = expectDeny(await call(basic('alice', 'alice-pw')), 'rate_limited', 429, bodies.rate_limited)
      expect(deny.headers['www-authenticate']).toBeUndefined()
      expect(deny.audit.tokenId).toBeUndefined()
      expect((await call(bearer(aliceToken))).kind).toBe('allow')
      expect((await call(basic('vera', 'vera-pw'))).kind).toBe('allow')
    })

    it('count neither failed credentials nor group refusals', async () => {
      const config = { ...limited, access: { readOnlyGroups: ['viewers'] } }
      for (let i = 0; i < 3; i++) {
        await run(request('/rest/x', { authorization: basic('alice', 'wrong') }), config)
        await run(request('/rest/x', { authorization: basic('vera', 'vera-pw'), method: 'POST' }), config)
      }
      expect((await run(request('/rest/x', { authorization: basic('alice', 'alice-pw') }), config)).kind).toBe('allow')
      expect((await run(request('/rest/x', { authorization: basic('vera', 'vera-pw') }), config)).kind).toBe('allow')
    })

    it('add no headers when off', async () => {
      const decision = await run(request('/rest/x', { authorization: bearer(aliceToken) }), {})
      expect(decision.kind === 'allow' && decision.headers).toEqual({})
    })

    it('fail closed with 503 when the rate-limit store fails or is missing', async () => {
      const failing: RateLimitStore = { consume: () => Promise.reject(new Error('redis down')) }
      const throwing: RateLimitStore = {
        consume: () => {
          throw new Error('boom')
        },
      }
      const { rateLimit: _rateLimit, ...missing } = stores
      for (const broken of [{ ...stores, rateLimit: failing }, { ...stores, rateLimit: throwing }, missing]) {
        const deny = expectDeny(await call(bearer(aliceToken)).then(() => run(request('/rest/x', { authorization: bearer(aliceToken) }), limited, { stores: broken })), 'store_unavailable', 503, bodies.store_unavailable)
        expect(deny.audit).toMatchObject({ outcome: 'unavailable', user: 'alice' })
      }
    })

    it('are refused at creation when no rate-limit store is given', () => {
      const { rateLimit: _rateLimit, ...missing } = stores
      let caught: unknown
      try {
        createPortcullis({ config: limited, stores: missing })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(TypeError)
      expect((caught as { code?: string }).code).toBe('ERR_PORTCULLIS_STORES')
      expect(() => createPortcullis({ config: {}, stores: missing })).not.toThrow()
    })

    it('pass their headers through the token API answers', async () => {
      const portcullis = createPortcullis({ config: limited, stores, now: () => now })
      const outcome = await portcullis.handle(request('/rest/auth/1/token', { authorization: bearer(aliceToken) }))
      expect(outcome.kind).toBe('respond')
      expect(outcome.kind === 'respond' && outcome.headers).toMatchObject(headers(1, 60))
    })
  })

  describe('config validation', () => {
    const problems = (input: unknown): string[] => {
      try {
        loadConfig(input)
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`)
        throw error
      }
      return []
    }

    it('names a bad address or range by its position', () => {
      expect(problems({ network: { allow: ['10.0.0.0/8', '10.0.0.300/8'] } })).toEqual([
        'network.allow.1: expected an IPv4/IPv6 address or CIDR range such as "10.0.0.0/8", got "10.0.0.300/8"',
      ])
      expect(problems({ network: { trustedProxies: ['10/8', '::1', 7] } })).toEqual([
        'network.trustedProxies.0: expected an IPv4/IPv6 address or CIDR range such as "10.0.0.0/8", got "10/8"',
        'network.trustedProxies.2: expected an IPv4/IPv6 address or CIDR range such as "10.0.0.0/8", got 7',
      ])
      expect(problems({ network: { allow: '10.0.0.0/8' } })).toEqual(['network.allow: expected a list of addresses and CIDR ranges, got "10.0.0.0/8"'])
    })

    it('names a bad path pattern', () => {
      const expected = 'expected a path pattern: segments literal or "*", "**" only as the last segment, no query'
      expect(problems({ paths: { bypass: ['/rest/ok', '/rest/**/x'], anonymous: ['/rest/a*b'], restricted: ['rest/x', '/rest/x?y=1'] } })).toEqual([
        `paths.bypass.1: ${expected}, got "/rest/**/x"`,
        `paths.anonymous.0: ${expected}, got "/rest/a*b"`,
        `paths.restricted.0: ${expected}, got "rest/x"`,
        `paths.restricted.1: ${expected}, got "/rest/x?y=1"`,
      ])
    })

    it('checks the header name and the rate limit', () => {
      expect(problems({ network: { clientAddressHeader: 'X Forwarded' } })).toEqual([
        'network.clientAddressHeader: expected a header name such as "X-Forwarded-For", got "X Forwarded"',
      ])
      expect(problems({ rateLimit: { limit: 0, windowSeconds: 86_401 } })).toEqual([
        'rateLimit.limit: expected a positive integer, got 0',
        'rateLimit.windowSeconds: expected at most 86400 (one day), got 86401',
      ])
      expect(problems({ access: { readOnlyGroups: [''] } })).toEqual(['access.readOnlyGroups.0: expected a non-empty group name, got ""'])
    })

    it('accepts and compiles a valid policy once', () => {
      const config = loadConfig({ network: { allow: ['10.0.0.0/8', '::1'], trustedProxies: ['127.0.0.1'], clientAddressHeader: 'X-Real-IP' } })
      expect(config.compiled.clientAddressHeader).toBe('x-real-ip')
      expect(config.compiled.clientAddressList).toBe(false)
      expect(loadConfig({}).compiled.allowedAddresses).toBeUndefined()
      expect(Object.isFrozen(config.network.allow)).toBe(true)
    })
  })

  describe('the log option', () => {
    it('receives one line per audited outcome, never holding a token or a password', async () => {
      const lines: string[] = []
      const records: AuditRecord[] = []
      const portcullis = createPortcullis({
        config: { paths: { bypass: ['/rest/api/2/serverInfo'], anonymous: ['/rest/public/**'] }, network: { allow: ['192.0.2.0/24'] } },
        stores,
        now: () => now,
        log: (line, record) => {
          lines.push(line)
          records.push(record)
        },
      })
      const unknown = generateToken().token
      const requests = [
        request('/rest/api/2/myself?os_password=alice-pw', { authorization: bearer(aliceToken) }),
        request('/rest/api/2/myself', { authorization: basic('alice', aliceToken) }),
        request('/rest/api/2/myself', { authorization: basic('alice', 'alice-pw') }),
        request('/rest/api/2/myself', { authorization: basic('alice', 'wrong-secret') }),
        request('/rest/api/2/myself', { authorization: bearer(unknown) }),
        request('/rest/api/2/myself', { authorization: bearer(aliceToken), peer: '198.51.100.7' }),
        request('/rest/api/2/serverInfo', { authorization: bearer(aliceToken) }),
        request('/rest/public/x'),
        request('/status'),
      ]
      for (const req of requests) await portcullis.handle(req)
      expect(lines).toHaveLength(7)
      expect(records).toEqual(stores.audit.query().reverse())
      const secrets = [aliceToken, unknown, 'alice-pw', 'wrong-secret', btoa(`alice:${aliceToken}`), btoa('alice:alice-pw')]
      for (const line of lines) {
        for (const secret of secrets) expect(line).not.toContain(secret)
        expect(line).not.toMatch(/[\r\n]/)
        expect(line).toMatch(/^portcullis: request /)
      }
      expect(lines[0]).toBe(`portcullis: request success (api-token) user="alice" GET "/rest/api/2/myself" client="192.0.2.10" token="${aliceTokenId}"`)
      expect(lines[5]).toBe('portcullis: request forbidden (ip_not_allowed) user="-" GET "/rest/api/2/myself" client="198.51.100.7"')
      expect(lines[6]).toBe('portcullis: request bypass (bypass) user="-" GET "/rest/api/2/serverInfo" client="192.0.2.10"')
    })
  })
})
