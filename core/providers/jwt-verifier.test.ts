import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import { authenticate } from '../engine.ts'
import { loadConfig } from '../config/load.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { SignatureCheck } from './jwt-verifier.ts'
import { createProviders } from './runtime.ts'

const iss = 'https://idp.example.com'
const t0 = Date.UTC(2026, 5, 1, 12)
const sec = (ms: number) => Math.floor(ms / 1000)

const rsa = await generateKeyPair('RS256', { extractable: true })
const other = await generateKeyPair('RS256', { extractable: true })
const ec = await generateKeyPair('ES256', { extractable: true })
const rsaJwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
const pem = await exportSPKI(rsa.publicKey)

const sign = (claims: Record<string, unknown>, { key = rsa.privateKey, alg = 'RS256', kid = 'k1', typ = 'at+jwt', header = {} as Record<string, unknown> } = {}) =>
  new SignJWT({ iss, sub: 'alice', iat: sec(t0), exp: sec(t0) + 3600, ...claims })
    .setProtectedHeader({ alg, kid, typ, ...header })
    .sign(key)

describe('JWT authentication', () => {
  let stores: MemoryStores
  let now: number
  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', email: 'alice@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'ghost', active: false })
    now = t0
  })

  const issuer = (extra: Record<string, unknown> = {}) => ({ issuer: iss, algorithms: ['RS256' as const], publicKey: pem, ...extra })
  const run = async (token: string, config: ConfigInput, fetchImpl?: typeof fetch, providers = createProviders(loadConfig(config), { now: () => now, ...(fetchImpl && { fetch: fetchImpl }) })) =>
    authenticate(
      { method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: `Bearer ${token}` }), peer: '127.0.0.1' },
      loadConfig(config),
      stores,
      { now: () => now, providers },
    )
  const errorOf = (d: Awaited<ReturnType<typeof run>>) => (d.kind === 'deny' ? [d.error, d.status, d.body] : d.kind)

  it('allows a valid token signed by a configured PEM key, as the user its sub names', async () => {
    const d = await run(await sign({}), { jwt: { issuers: [issuer()] } })
    expect(d.kind === 'allow' && [d.user.username, d.via]).toEqual(['alice', 'jwt'])
  })

  it('answers an expired token with the documented 401', async () => {
    const d = await run(await sign({ exp: sec(t0) - 60 }), { jwt: { issuers: [issuer()] } })
    expect(errorOf(d)).toEqual(['jwt_expired', 401, '{"error":{"status":"ERROR","message":"Token Expired: The token provided is expired."}}'])
    expect(d.kind === 'deny' && d.headers['www-authenticate']).toBe('Bearer realm="portcullis", error="invalid_token"')
  })

  it('tolerates clock skew within clockToleranceSeconds', async () => {
    expect((await run(await sign({ exp: sec(t0) - 10 }), { jwt: { issuers: [issuer()] } })).kind).toBe('allow')
    expect((await run(await sign({ exp: sec(t0) - 10 }), { jwt: { issuers: [issuer({ clockToleranceSeconds: 0 })] } })).kind).toBe('deny')
  })

  const invalid = ['jwt_invalid', 400, '{"error":{"status":"ERROR","message":"Token Invalid: Error while validating the token."}}']

  for (const [name, make] of [
    // A middle character: the last one may carry only padding bits.
    ['a bad signature', async () => {
      const token = await sign({})
      const at = token.length - 20
      return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
    }],
    ['a key it was not configured with', async () => sign({}, { key: other.privateKey })],
    ['an algorithm outside the allowlist', async () => sign({}, { key: ec.privateKey, alg: 'ES256' })],
    ['an unknown issuer', async () => sign({ iss: 'https://evil.example.com' })],
    ['a future nbf', async () => sign({ nbf: sec(t0) + 600 })],
    ['no exp', async () => sign({ exp: undefined })],
    ['garbage', async () => 'a.b.c'],
  ] as const) {
    it(`refuses ${name} with the documented 400`, async () => {
      expect(errorOf(await run(await make(), { jwt: { issuers: [issuer()] } }))).toEqual(invalid)
    })
  }

  it('names the refusal of a token of another issuer, whether it is routed or verified first', async () => {
    const second = { issuer: 'https://second.example.com', algorithms: ['ES256' as const], jwks: { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'e1' }] } }
    for (const issuers of [[issuer()], [issuer(), second]]) {
      for (const key of [rsa.privateKey, other.privateKey]) {
        const d = await run(await sign({ iss: 'https://evil.example.com' }, { key }), { jwt: { issuers } })
        expect([...errorOf(d), d.audit.detail]).toEqual([...invalid, 'unknown issuer'])
      }
      expect((await run('a.b.c', { jwt: { issuers } })).audit.detail).toBe('not a JWT')
    }
  })

  it('refuses alg none and an HMAC signed with the public key as secret', async () => {
    const none = `${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${btoa(JSON.stringify({ iss, sub: 'alice', exp: sec(t0) + 60 })).replace(/=+$/, '')}.`
    expect(errorOf(await run(none, { jwt: { issuers: [issuer()] } }))).toEqual(invalid)
    const hmac = await new SignJWT({ iss, sub: 'alice', exp: sec(t0) + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pem))
    expect(errorOf(await run(hmac, { jwt: { issuers: [issuer()] } }))).toEqual(invalid)
  })

  it('never follows jku or x5u nor trusts an embedded jwk', async () => {
    let fetched = 0
    const spy: typeof fetch = async () => (fetched++, new Response('{}'))
    const attackerJwk = await exportJWK(other.publicKey)
    const token = await sign({}, { key: other.privateKey, header: { jku: 'https://evil.example.com/jwks', x5u: 'https://evil.example.com/cert', jwk: attackerJwk } })
    expect(errorOf(await run(token, { jwt: { issuers: [issuer()] } }, spy))).toEqual(invalid)
    expect(fetched).toBe(0)
  })

  it('checks audience and typ when configured', async () => {
    const config = { jwt: { issuers: [issuer({ audience: ['api'], typ: 'at+jwt' })] } }
    expect((await run(await sign({ aud: 'api' }), config)).kind).toBe('allow')
    expect(errorOf(await run(await sign({ aud: 'other' }), config))).toEqual(invalid)
    expect(errorOf(await run(await sign({ aud: 'api' }, { typ: 'JWT' }), config))).toEqual(invalid)
  })

  it('answers a token older than maxLifetimeSeconds as expired', async () => {
    const config = { jwt: { issuers: [issuer({ maxLifetimeSeconds: 600 })] } }
    expect((await run(await sign({ iat: sec(t0) - 60 }), config)).kind).toBe('allow')
    expect(errorOf(await run(await sign({ iat: sec(t0) - 3600 }), config))[0]).toBe('jwt_expired')
    expect(errorOf(await run(await sign({ iat: undefined }), config))).toEqual(invalid)
  })

  it('reads the username from the configured claim, narrowed by the pattern', async () => {
    const config = { jwt: { issuers: [issuer({ usernameClaim: 'email', usernamePattern: '^(.+)@example\\.com$' })] } }
    const d = await run(await sign({ email: 'alice@example.com' }), config)
    expect(d.kind === 'allow' && d.user.username).toBe('alice')
    const miss = await run(await sign({ email: 'alice@elsewhere.org' }), config)
    expect(errorOf(miss)).toEqual(['user_not_found', 400, '{"error":{"status":"ERROR","message":"No user found with this username/email address"}}'])
    expect(miss.audit.detail).toBe('email claim does not match usernamePattern')
  })

  it('answers a user missing from the directory with the documented 400, and refuses a deactivated one', async () => {
    expect(errorOf(await run(await sign({ sub: 'mallory' }), { jwt: { issuers: [issuer()] } }))[0]).toBe('user_not_found')
    expect(errorOf(await run(await sign({ sub: 'ghost' }), { jwt: { issuers: [issuer()] } }))[0]).toBe('token_use_denied')
  })

  it('keeps each issuer to its own keys', async () => {
    const second = 'https://second.example.com'
    const config = { jwt: { issuers: [issuer(), { issuer: second, algorithms: ['ES256' as const], jwks: { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'e1' }] } }] } }
    expect((await run(await sign({ iss: second }, { key: ec.privateKey, alg: 'ES256', kid: 'e1' }), config)).kind).toBe('allow')
    expect(errorOf(await run(await sign({ iss: second }), config))).toEqual(invalid)
  })

  it('never serves a verified token from the cache past its exp, by the injected clock', async () => {
    const config = { jwt: { issuers: [issuer({ clockToleranceSeconds: 0 })] } }
    const providers = createProviders(loadConfig(config), { now: () => now })
    const token = await sign({ exp: sec(t0) + 60 })
    expect((await run(token, config, undefined, providers)).kind).toBe('allow')
    now += 59_000
    expect((await run(token, config, undefined, providers)).kind).toBe('allow')
    now += 2_000
    expect(errorOf(await run(token, config, undefined, providers))[0]).toBe('jwt_expired')
  })

  describe('with an injected signature check', () => {
    type Call = { alg: string; key: CryptoKey; input: string; signature: string }
    /** A check that records its calls and answers `answer`, or throws it. */
    const checkOf = (answer: boolean | undefined | Error) => {
      const calls: Call[] = []
      const check: SignatureCheck = (alg, key, signingInput, signature) => {
        calls.push({ alg, key, input: signingInput, signature })
        if (answer instanceof Error) throw answer
        return answer
      }
      return { check, calls }
    }
    const runWith = (token: string, check: SignatureCheck, extra: Record<string, unknown> = {}) => {
      const config = { jwt: { issuers: [issuer(extra)], cacheSeconds: 0 } }
      return run(token, config, undefined, createProviders(loadConfig(config), { now: () => now, signatureCheck: check }))
    }
    const tampered = async () => {
      const token = await sign({})
      const at = token.length - 20
      return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
    }

    it('decides the signature: given the alg, the imported key, header.payload and the encoded signature', async () => {
      const token = await tampered()
      const { check, calls } = checkOf(true)
      expect((await runWith(token, check)).kind).toBe('allow')
      expect(calls).toHaveLength(1)
      const [protectedPart, payloadPart, signaturePart] = token.split('.')
      expect(calls[0]!.alg).toBe('RS256')
      expect(calls[0]!.key.algorithm.name).toBe('RSASSA-PKCS1-v1_5')
      expect(calls[0]!.input).toBe(`${protectedPart}.${payloadPart}`)
      expect(calls[0]!.signature).toBe(signaturePart)
    })

    it('refuses what it refuses as jose does, and still has jose check the claims', async () => {
      expect(errorOf(await runWith(await sign({}), checkOf(false).check))).toEqual(invalid)
      expect((await runWith(await sign({}), checkOf(false).check)).audit.detail).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
      expect(errorOf(await runWith(await sign({ exp: sec(t0) - 60 }), checkOf(true).check))[0]).toBe('jwt_expired')
      expect(errorOf(await runWith(await sign({ aud: 'other' }), checkOf(true).check, { audience: 'api' }))).toEqual(invalid)
      expect(errorOf(await runWith(await sign({}, { typ: 'JWT' }), checkOf(true).check, { typ: 'at+jwt' }))).toEqual(invalid)
    })

    for (const [name, answer] of [['does not answer', undefined], ['throws', new Error('boom')]] as const) {
      it(`leaves the signature to jose when it ${name}`, async () => {
        const { check, calls } = checkOf(answer)
        expect((await runWith(await sign({}), check)).kind).toBe('allow')
        expect(errorOf(await runWith(await tampered(), check))).toEqual(invalid)
        expect(calls).toHaveLength(2)
      })
    }

    it('is not asked about an algorithm outside the allowlist, alg none, a crit header or an unsigned token', async () => {
      const { check, calls } = checkOf(true)
      const none = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify({ iss, sub: 'alice', exp: sec(t0) + 60 }))}`
      const cases: [string, 'allow' | 'deny'][] = [
        [await sign({}, { key: ec.privateKey, alg: 'ES256' }), 'deny'],
        [`${none}.`, 'deny'],
        [`${none}.c2ln`, 'deny'],
        [await sign({}, { header: { crit: ['b64'], b64: true } }), 'allow'],
      ]
      for (const [token, kind] of cases) expect((await runWith(token, check)).kind).toBe(kind)
      expect(calls).toHaveLength(0)
    })
  })

  describe('with a JWKS URL', () => {
    const jwksUri = 'https://idp.example.com/jwks'
    const config = () => ({ jwt: { issuers: [{ issuer: iss, algorithms: ['RS256' as const], jwksUri }] } })
    const server = (keys: () => JWK[] | 'down') => {
      const calls = { count: 0 }
      const fetchImpl: typeof fetch = async (url) => {
        calls.count++
        expect(String(url)).toBe(jwksUri)
        const current = keys()
        return current === 'down' ? new Response('oops', { status: 502 }) : Response.json({ keys: current })
      }
      return { fetchImpl, calls }
    }

    it('fetches once and reuses the set', async () => {
      const { fetchImpl, calls } = server(() => [rsaJwk])
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      for (let i = 0; i < 3; i++) expect((await run(await sign({ jti: String(i) }), config(), fetchImpl, providers)).kind).toBe('allow')
      expect(calls.count).toBe(1)
    })

    it('coalesces concurrent first fetches', async () => {
      const { fetchImpl, calls } = server(() => [rsaJwk])
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      const tokens = await Promise.all([1, 2, 3, 4].map((i) => sign({ jti: String(i) })))
      const results = await Promise.all(tokens.map((t) => run(t, config(), fetchImpl, providers)))
      expect(results.map((d) => d.kind)).toEqual(['allow', 'allow', 'allow', 'allow'])
      expect(calls.count).toBe(1)
    })

    it('refetches for an unknown kid at most once per cooldown', async () => {
      const { fetchImpl, calls } = server(() => [rsaJwk])
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      await run(await sign({}), config(), fetchImpl, providers)
      now += 31_000
      for (let i = 0; i < 5; i++) expect((await run(await sign({}, { kid: `random-${i}` }), config(), fetchImpl, providers)).kind).toBe('deny')
      expect(calls.count).toBe(2)
    })

    it('picks up a rotated key, and a verified token is re-verified after the rotation', async () => {
      let keys: JWK[] = [rsaJwk]
      const { fetchImpl } = server(() => keys)
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      const old = await sign({})
      expect((await run(old, config(), fetchImpl, providers)).kind).toBe('allow')
      keys = [{ ...(await exportJWK(other.publicKey)), kid: 'k2', alg: 'RS256' }]
      now += 31_000
      expect((await run(await sign({}, { key: other.privateKey, kid: 'k2' }), config(), fetchImpl, providers)).kind).toBe('allow')
      expect(errorOf(await run(old, config(), fetchImpl, providers))).toEqual(invalid)
    })

    it('does not refetch on every request during a cold outage: once per cooldown', async () => {
      const { fetchImpl, calls } = server(() => 'down')
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      for (let i = 0; i < 5; i++) expect(errorOf(await run(await sign({ jti: String(i) }), config(), fetchImpl, providers))[0]).toBe('provider_unavailable')
      expect(calls.count).toBe(1)
      now += 31_000
      await run(await sign({}), config(), fetchImpl, providers)
      expect(calls.count).toBe(2)
    })

    it('keeps the last good set while the provider is down, and answers 503 when it never had one', async () => {
      let state: 'up' | 'down' = 'up'
      const { fetchImpl } = server(() => (state === 'up' ? [rsaJwk] : 'down'))
      const providers = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      expect((await run(await sign({ jti: 'a' }), config(), fetchImpl, providers)).kind).toBe('allow')
      state = 'down'
      now += 700_000
      expect((await run(await sign({ jti: 'b', exp: sec(now) + 60 }), config(), fetchImpl, providers)).kind).toBe('allow')

      const cold = createProviders(loadConfig(config()), { fetch: fetchImpl, now: () => now })
      const d = await run(await sign({ exp: sec(now) + 60 }), config(), fetchImpl, cold)
      expect(errorOf(d)).toEqual(['provider_unavailable', 503, '{"error":{"status":"ERROR","message":"Identity provider unavailable"}}'])
    })
  })
})
