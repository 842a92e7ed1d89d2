/**
 * Identity providers misbehaving over real sockets: slow past `providers.timeoutMs`,
 * stalled mid-body, down, answering 5xx or garbage. Every case must be a 503
 * `provider_unavailable` within the bound, never an allow, with the reason in the audit
 * detail. Also: a JWKS rotated mid-run.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { delay, refusedUrl, serveLoopback, stalledBody, type LoopbackHandler, type LoopbackServer } from '../../test-support/loopback-server.ts'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { Outcome } from '../decision.ts'
import { createPortcullis } from '../portcullis.ts'

const timeoutMs = 250
/** Longest a faulty provider may hold a request: the timeout plus slack for a loaded machine. */
const boundMs = timeoutMs + 1_000
const unavailable = '{"error":{"status":"ERROR","message":"Identity provider unavailable"}}'
const issuer = 'https://idp.example.com'

const k1 = await generateKeyPair('ES256', { extractable: true })
const k2 = await generateKeyPair('ES256', { extractable: true })
const jwk = async (pair: CryptoKeyPair, kid: string): Promise<JWK> => ({ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' })
const jwk1 = await jwk(k1, 'k1')
const jwk2 = await jwk(k2, 'k2')
const sign = (pair: CryptoKeyPair, kid: string, claims: Record<string, unknown> = {}) =>
  new SignJWT({ sub: 'alice', ...claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).setIssuer(issuer).setIssuedAt().setExpirationTime('1h').sign(pair.privateKey)
const jwtToken = await sign(k1, 'k1')

/** One kind of provider call: its config, a request that needs it, and a good answer. */
interface ProviderKind {
  readonly name: string
  readonly config: (url: string) => ConfigInput
  readonly authorization: string
  readonly good: () => Response
  /** Answers that parse as JSON but are not what the protocol says. */
  readonly garbage: readonly (readonly [string, () => Response])[]
}

const kinds: readonly ProviderKind[] = [
  {
    name: 'JWKS',
    config: (url) => ({ jwt: { issuers: [{ issuer, algorithms: ['ES256'], jwksUri: `${url}/jwks` }] } }),
    authorization: `Bearer ${jwtToken}`,
    good: () => Response.json({ keys: [jwk1] }),
    garbage: [
      ['a "keys" that is not a list', () => Response.json({ keys: 'k1' })],
      ['a JSON array', () => Response.json([jwk1])],
    ],
  },
  {
    name: 'introspection',
    config: (url) => ({
      oauth: {
        introspection: { endpoint: `${url}/introspect`, clientId: 'portcullis', clientSecret: 'introspection-secret' },
        clientCredentials: { clientIds: ['reporter'], serviceAccount: 'svc-reporter' },
      },
    }),
    authorization: 'Bearer opaque-access-token-value',
    good: () => Response.json({ active: true, client_id: 'reporter', scope: 'api:read', exp: Math.floor(Date.now() / 1000) + 600 }),
    garbage: [
      ['"active" as a string', () => Response.json({ active: 'true', client_id: 'reporter' })],
      ['a JSON array', () => Response.json([{ active: true }])],
      ['a 400 that is not an OAuth error', () => new Response('<html>Bad Request</html>', { status: 400, headers: { 'content-type': 'text/html' } })],
    ],
  },
  {
    name: 'token endpoint (REST SSO)',
    config: (url) => ({ restSso: { enabled: true, tokenEndpoint: `${url}/token`, clientId: 'portal', clientSecret: 'portal-secret' } }),
    authorization: `Basic ${btoa('alice:alice-pw')}`,
    good: () => Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 300 }),
    garbage: [
      ['a 200 without an access token', () => Response.json({ token_type: 'Bearer' })],
      ['a 400 that is not an OAuth error', () => new Response('<html>Bad Request</html>', { status: 400, headers: { 'content-type': 'text/html' } })],
    ],
  },
]

/** The faults every provider kind is put through (connection refused is tested apart). */
const faults = (kind: ProviderKind): readonly (readonly [string, LoopbackHandler, { slow?: boolean }?])[] => [
  ['slow past providers.timeoutMs', async (_request, signal) => (await delay(5_000, signal), kind.good()), { slow: true }],
  ['stalling mid-body past providers.timeoutMs', (_request, signal) => stalledBody(signal), { slow: true }],
  ['answering 500', () => new Response('<html>Internal Server Error</html>', { status: 500, headers: { 'content-type': 'text/html' } })],
  ['answering 502 with a JSON body', () => Response.json({ error: 'bad gateway' }, { status: 502 })],
  ['answering 503', () => new Response('', { status: 503, headers: { 'retry-after': '10' } })],
  ['answering invalid JSON', () => new Response('{"keys": [ {"active": tru', { status: 200, headers: { 'content-type': 'application/json' } })],
  ['answering an HTML page with 200', () => new Response('<html>Sign in</html>', { status: 200, headers: { 'content-type': 'text/html' } })],
  ...kind.garbage.map(([name, answer]) => [`answering ${name}`, answer] as const),
]

describe('identity provider faults: 503 within the bound, never an allow', () => {
  let stores: MemoryStores
  let server: LoopbackServer | undefined

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', password: 'local-pw' })
    await stores.users.add({ username: 'svc-reporter' })
    server = undefined
  })
  afterEach(async () => {
    await server?.close()
  })

  const attempt = async (kind: ProviderKind, url: string): Promise<{ outcome: Outcome; elapsed: number }> => {
    const portcullis = createPortcullis({ config: { ...kind.config(url), providers: { timeoutMs } }, stores })
    const started = performance.now()
    const outcome = await portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: kind.authorization }), peer: '192.0.2.10' })
    return { outcome, elapsed: performance.now() - started }
  }
  const expectUnavailable = (outcome: Outcome) => {
    expect(outcome.kind).toBe('deny')
    if (outcome.kind !== 'deny') return
    expect([outcome.error, outcome.status, outcome.body]).toEqual(['provider_unavailable', 503, unavailable])
    expect(outcome.audit).toMatchObject({ outcome: 'unavailable', reason: 'provider_unavailable' })
    expect(outcome.audit.detail).toBeTruthy()
  }

  for (const kind of kinds) {
    describe(kind.name, () => {
      it('works when the provider answers well (the baseline of the faults below)', async () => {
        server = await serveLoopback(() => kind.good())
        const { outcome } = await attempt(kind, server.url)
        expect(outcome.kind).toBe('allow')
      })

      for (const [name, handler, options] of faults(kind)) {
        it(name, async () => {
          server = await serveLoopback(handler)
          const { outcome, elapsed } = await attempt(kind, server.url)
          expectUnavailable(outcome)
          expect(server.requests).toBe(1)
          expect(elapsed).toBeLessThan(boundMs)
          if (options?.slow) expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 10)
        })
      }

      it('down (connection refused)', async () => {
        const { outcome, elapsed } = await attempt(kind, await refusedUrl())
        expectUnavailable(outcome)
        expect(elapsed).toBeLessThan(boundMs)
      })
    })
  }

  it('does not remember a failed introspection: the next request asks again', async () => {
    const [, introspection] = kinds
    let failing = true
    server = await serveLoopback(() => (failing ? new Response('', { status: 500 }) : introspection!.good()))
    const portcullis = createPortcullis({ config: { ...introspection!.config(server.url), providers: { timeoutMs } }, stores })
    const request = { method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: introspection!.authorization }), peer: '192.0.2.10' }
    expectUnavailable(await portcullis.handle(request))
    failing = false
    const outcome = await portcullis.handle(request)
    expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['svc-reporter', 'oauth'])
    expect(server.requests).toBe(2)
  })
})

describe('a JWKS over real HTTP', () => {
  let stores: MemoryStores
  let server: LoopbackServer
  let keys: JWK[] | 'down'
  let now: number

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice' })
    await stores.users.add({ username: 'bob' })
    keys = [jwk1]
    now = Date.now()
    server = await serveLoopback(() => (keys === 'down' ? new Response('down', { status: 503 }) : Response.json({ keys })))
  })
  afterEach(async () => {
    await server.close()
  })

  const engine = () =>
    createPortcullis({
      config: { jwt: { issuers: [{ issuer, algorithms: ['ES256'], jwksUri: `${server.url}/jwks` }] }, providers: { timeoutMs, jwksCooldownSeconds: 5, jwksMaxAgeSeconds: 600 } },
      stores,
      now: () => now,
    })
  const get = (portcullis: ReturnType<typeof engine>, token: string) =>
    portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: `Bearer ${token}` }), peer: '192.0.2.10' })
  const who = (outcome: Outcome) => (outcome.kind === 'allow' ? outcome.user.username : outcome.kind === 'deny' ? outcome.error : outcome.kind)

  it('rotated mid-run: the new kid is picked up, and a verified token of the removed key is no longer accepted from the cache', async () => {
    const portcullis = engine()
    const old = await sign(k1, 'k1')
    expect(who(await get(portcullis, old))).toBe('alice')
    expect(who(await get(portcullis, old))).toBe('alice')
    expect(server.requests).toBe(1)

    keys = [jwk2]
    now += 6_000
    const fresh = await sign(k2, 'k2', { sub: 'bob' })
    expect(who(await get(portcullis, fresh))).toBe('bob')
    expect(server.requests).toBe(2)
    // The old token was cached as verified; the key change drops that, and k1 is gone.
    expect(who(await get(portcullis, old))).toBe('jwt_invalid')
    expect(who(await get(portcullis, fresh))).toBe('bob')
    // Unknown kids within the cooldown do not refetch.
    for (let i = 0; i < 5; i++) expect(who(await get(portcullis, await sign(k1, `random-${i}`)))).toBe('jwt_invalid')
    expect(server.requests).toBe(2)
  })

  it('rotated with an overlap: tokens of both keys are accepted', async () => {
    const portcullis = engine()
    const old = await sign(k1, 'k1')
    expect(who(await get(portcullis, old))).toBe('alice')
    keys = [jwk1, jwk2]
    now += 6_000
    expect(who(await get(portcullis, await sign(k2, 'k2', { sub: 'bob' })))).toBe('bob')
    expect(who(await get(portcullis, old))).toBe('alice')
    expect(server.requests).toBe(2)
  })

  it('down after a good fetch: known keys keep working, an unknown kid is refused, never a 503 storm', async () => {
    const portcullis = engine()
    expect(who(await get(portcullis, await sign(k1, 'k1')))).toBe('alice')
    keys = 'down'
    now += 700_000
    expect(who(await get(portcullis, await sign(k1, 'k1', { jti: 'later' })))).toBe('alice')
    expect(who(await get(portcullis, await sign(k2, 'k2')))).toBe('jwt_invalid')
    expect(server.requests).toBe(2)
  })
})
