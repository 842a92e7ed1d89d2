import { generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto'
import { exportJWK, exportSPKI, generateKeyPair, importSPKI, SignJWT, type CryptoKey as JoseCryptoKey } from 'jose'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../core/config/load.ts'
import type { ConfigInput } from '../core/config/schema.ts'
import type { JwtResult, SignatureCheck } from '../core/providers/jwt-verifier.ts'
import { createProviders } from '../core/providers/runtime.ts'
import { nodeSignatureCheck } from './node-signature.ts'

const iss = 'https://idp.example.com'
const t0 = Date.UTC(2026, 5, 1, 12)
const sec = (ms: number) => Math.floor(ms / 1000)
const b64u = (text: string) => Buffer.from(text).toString('base64url')

type Alg = 'RS256' | 'PS256' | 'ES256' | 'ES512' | 'EdDSA'
const pairs = Object.fromEntries(
  await Promise.all((['RS256', 'PS256', 'ES256', 'ES512', 'EdDSA'] as const).map(async (alg) => [alg, await generateKeyPair(alg, { extractable: true })] as const)),
) as Record<Alg, { publicKey: JoseCryptoKey; privateKey: JoseCryptoKey }>
const attacker = await generateKeyPair('RS256', { extractable: true })
const pems = Object.fromEntries(await Promise.all(Object.entries(pairs).map(async ([alg, pair]) => [alg, await exportSPKI(pair.publicKey)] as const))) as Record<Alg, string>
const pemOf = (alg: Alg) => pems[alg]
const rsaJwk = { ...(await exportJWK(pairs.RS256.publicKey)), kid: 'k1' }
const attackerJwk = await exportJWK(attacker.publicKey)
const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })

/** Signs any header and payload text, as a careless or hostile issuer could. */
function rawToken(header: object | string, payload: object | string, alg: Alg | 'RS256-weak' = 'RS256', key?: KeyObject): string {
  const h = b64u(typeof header === 'string' ? header : JSON.stringify(header))
  const p = typeof payload === 'string' ? payload : b64u(JSON.stringify(payload))
  const input = Buffer.from(`${h}.${p}`)
  const privateKey = key ?? (alg === 'RS256-weak' ? weakRsa.privateKey : KeyObject.from(pairs[alg].privateKey as CryptoKey))
  const signature =
    alg === 'PS256' ? nodeSign('sha256', input, { key: privateKey, padding: 6, saltLength: 32 })
    : alg === 'ES256' || alg === 'ES512' ? nodeSign(alg === 'ES256' ? 'sha256' : 'sha512', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    : alg === 'EdDSA' ? nodeSign(null, input, privateKey)
    : nodeSign('sha256', input, privateKey)
  return `${h}.${p}.${signature.toString('base64url')}`
}

const claims = (extra: Record<string, unknown> = {}) => ({ iss, sub: 'alice', iat: sec(t0), exp: sec(t0) + 3600, ...extra })
const jose = (extra: Record<string, unknown> = {}, { alg = 'RS256' as Alg | 'HS256', typ = 'at+jwt', key = pairs.RS256.privateKey as JoseCryptoKey | Uint8Array, header = {} } = {}) =>
  new SignJWT(claims(extra)).setProtectedHeader({ alg, typ, kid: 'k1', ...header }).sign(key)
/** Padded with `A`s to 4n+1 characters, a length no base64url text has. */
const notBase64url = (part: string) => part + 'A'.repeat((((1 - part.length) % 4) + 4) % 4)
const tamper = (token: string) => {
  const at = token.length - 20
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
}

/** Verifies a token with jose alone and with the Node check, each on its own verifier; counts the check's answers. */
async function both(token: string, config: ConfigInput): Promise<{ jose: JwtResult; node: JwtResult; answered: number }> {
  const loaded = loadConfig({ ...config, jwt: { cacheSeconds: 0, ...config.jwt } })
  let answered = 0
  const counted: SignatureCheck = (...args) => {
    const answer = nodeSignatureCheck(...args)
    if (answer !== undefined) answered++
    return answer
  }
  const plain = createProviders(loaded, { now: () => t0 }).jwt!
  const checked = createProviders(loaded, { now: () => t0, signatureCheck: counted }).jwt!
  return { jose: await plain.verify(token), node: await checked.verify(token), answered }
}

describe('nodeSignatureCheck: the same decisions as jose', () => {
  const rsIssuer = (extra: Record<string, unknown> = {}): ConfigInput => ({ jwt: { issuers: [{ issuer: iss, algorithms: ['RS256' as const], publicKey: pemOf('RS256'), ...extra }] } })
  const strict = rsIssuer({ audience: ['api'], typ: 'at+jwt', maxLifetimeSeconds: 600, clockToleranceSeconds: 0 })
  const hmacSecret = new TextEncoder().encode(pemOf('RS256'))

  // [name, token, config, whether jose accepts it, whether the Node check answered (a lone issuer with local keys verifies before it routes)]
  const cases: [string, () => Promise<string> | string, ConfigInput, boolean, boolean][] = [
    ['valid RS256', () => jose(), rsIssuer(), true, true],
    ['valid with audience, typ and age checks', () => jose({ aud: 'api', iat: sec(t0) - 60 }), strict, true, true],
    ['typ compared as a media type (application/at+jwt)', () => jose({ aud: 'api' }, { typ: 'application/AT+JWT' }), strict, true, true],
    ['expired', () => jose({ exp: sec(t0) - 60 }), rsIssuer({ clockToleranceSeconds: 0 }), false, true],
    ['expired within the clock tolerance', () => jose({ exp: sec(t0) - 10 }), rsIssuer(), true, true],
    ['nbf in the future', () => jose({ nbf: sec(t0) + 600 }), rsIssuer(), false, true],
    ['no exp while required', () => jose({ exp: undefined }), rsIssuer(), false, true],
    ['no exp while not required', () => jose({ exp: undefined }), rsIssuer({ requireExp: false }), true, true],
    ['unknown issuer', () => jose({ iss: 'https://evil.example.com' }), rsIssuer(), false, true],
    ['unknown issuer, two issuers configured', () => jose({ iss: 'https://evil.example.com' }), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256'], publicKey: pemOf('RS256') }, { issuer: 'https://second.example.com', algorithms: ['ES256'], publicKey: pemOf('ES256') }] } }, false, false],
    ['wrong audience', () => jose({ aud: 'other' }), strict, false, true],
    ['no audience', () => jose(), strict, false, true],
    ['wrong typ', () => jose({ aud: 'api' }, { typ: 'JWT' }), strict, false, true],
    ['typ not a string', () => rawToken({ alg: 'RS256', typ: 7 }, claims({ aud: 'api' })), strict, false, true],
    ['too old for maxLifetimeSeconds', () => jose({ aud: 'api', iat: sec(t0) - 3600 }), strict, false, true],
    ['issued in the future', () => jose({ aud: 'api', iat: sec(t0) + 600 }), strict, false, true],
    ['no iat with maxLifetimeSeconds', () => jose({ aud: 'api', iat: undefined }), strict, false, true],
    ['an algorithm outside the allowlist', () => jose({}, { alg: 'ES256', key: pairs.ES256.privateKey }), rsIssuer(), false, false],
    ['alg none', () => `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(claims()))}.`, rsIssuer(), false, false],
    ['HS256 with the public key as the secret', () => jose({}, { alg: 'HS256', key: hmacSecret }), rsIssuer(), false, false],
    ['a tampered signature', async () => tamper(await jose()), rsIssuer(), false, true],
    ['a signature one byte short', async () => (await jose()).slice(0, -2), rsIssuer(), false, true],
    ['a signature by another key', () => jose({}, { key: attacker.privateKey }), rsIssuer(), false, true],
    ['a tampered payload', async () => { const [h, , s] = (await jose()).split('.'); return `${h}.${b64u(JSON.stringify(claims({ sub: 'admin' })))}.${s}` }, rsIssuer(), false, true],
    ['crit with an unknown extension', () => rawToken({ alg: 'RS256', crit: ['exp'], exp: 1 }, claims()), rsIssuer(), false, false],
    ['crit b64 false (unencoded payload)', () => rawToken({ alg: 'RS256', crit: ['b64'], b64: false }, claims()), rsIssuer(), false, false],
    ['crit b64 true', () => rawToken({ alg: 'RS256', crit: ['b64'], b64: true }, claims()), rsIssuer(), true, false],
    ['b64 false without crit (ignored by jose)', () => rawToken({ alg: 'RS256', b64: false }, claims()), rsIssuer(), true, false],
    ['jku, x5u and jwk of an attacker, signed by the attacker', () => jose({}, { key: attacker.privateKey, header: { jku: 'https://evil.example.com/jwks', x5u: 'https://evil.example.com/cert', jwk: attackerJwk } }), rsIssuer(), false, true],
    ['jku, x5u and jwk of an attacker, signed by the issuer', () => jose({}, { header: { jku: 'https://evil.example.com/jwks', x5u: 'https://evil.example.com/x', jwk: attackerJwk } }), rsIssuer(), true, true],
    ['a header that is not JSON', () => rawToken('{"alg":"RS256"', claims()), rsIssuer(), false, false],
    ['a header that is an array', () => rawToken('["RS256"]', claims()), rsIssuer(), false, false],
    ['a non-ASCII header (UTF-8 kid)', () => rawToken({ alg: 'RS256', kid: 'clé' }, claims()), rsIssuer(), true, true],
    ['a non-ASCII payload (UTF-8 iss)', () => rawToken({ alg: 'RS256' }, claims({ iss: 'https://idp.example.com/é' })), rsIssuer({ issuer: 'https://idp.example.com/é' }), true, true],
    ['a signed payload that is not JSON', () => rawToken({ alg: 'RS256' }, b64u('not json')), rsIssuer(), false, true],
    ['a signed payload of 4n+1 base64url characters', () => rawToken({ alg: 'RS256' }, notBase64url(b64u(JSON.stringify(claims())))), rsIssuer(), false, false],
    ['an RSA key of 1024 bits', () => rawToken({ alg: 'RS256' }, claims(), 'RS256-weak'), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256'], publicKey: weakRsa.publicKey.export({ type: 'spki', format: 'pem' }) as string }] } }, false, false],
    ['a PEM of another key type (EC key, RS256 allowed)', () => jose(), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256'], publicKey: pemOf('ES256') }] } }, false, false],
    ['no username claim', () => jose({ sub: undefined }), rsIssuer(), false, true],
    ['valid PS256', () => rawToken({ alg: 'PS256' }, claims(), 'PS256'), { jwt: { issuers: [{ issuer: iss, algorithms: ['PS256'], publicKey: pemOf('PS256') }] } }, true, true],
    ['valid ES256', () => rawToken({ alg: 'ES256' }, claims(), 'ES256'), { jwt: { issuers: [{ issuer: iss, algorithms: ['ES256'], publicKey: pemOf('ES256') }] } }, true, true],
    ['ES256 signature of the wrong length', () => rawToken({ alg: 'ES256' }, claims(), 'ES256').slice(0, -3), { jwt: { issuers: [{ issuer: iss, algorithms: ['ES256'], publicKey: pemOf('ES256') }] } }, false, true],
    ['valid ES512', () => rawToken({ alg: 'ES512' }, claims(), 'ES512'), { jwt: { issuers: [{ issuer: iss, algorithms: ['ES512'], publicKey: pemOf('ES512') }] } }, true, true],
    // 132 bytes are 176 characters (4n): one more makes 4n+1, no base64url at all, which Buffer would read as the valid signature.
    ['valid ES512 with a character added to the signature', () => `${rawToken({ alg: 'ES512' }, claims(), 'ES512')}A`, { jwt: { issuers: [{ issuer: iss, algorithms: ['ES512'], publicKey: pemOf('ES512') }] } }, false, false],
    ['valid EdDSA', () => rawToken({ alg: 'EdDSA' }, claims(), 'EdDSA'), { jwt: { issuers: [{ issuer: iss, algorithms: ['EdDSA'], publicKey: pemOf('EdDSA') }] } }, true, true],
    ['ES256 token, issuer allows RS256 and ES256 with an RSA key', () => rawToken({ alg: 'ES256' }, claims(), 'ES256'), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256', 'ES256'], publicKey: pemOf('RS256') }] } }, false, false],
    ['valid, inline JWKS by kid', () => jose(), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256'], jwks: { keys: [{ ...rsaJwk }] } }] } }, true, true],
    ['unknown kid, inline JWKS', () => jose({}, { header: { kid: 'k2' } }), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256'], jwks: { keys: [{ ...rsaJwk }] } }] } }, false, false],
    ['a JWK whose alg differs from the header', () => jose(), { jwt: { issuers: [{ issuer: iss, algorithms: ['RS256', 'PS256'], jwks: { keys: [{ ...rsaJwk, alg: 'PS256' }] } }] } }, false, false],
  ]

  for (const [name, make, config, accepted, answeredByNode] of cases) {
    it(`${name}: ${accepted ? 'accepted' : 'refused'} by both, with the same reason`, async () => {
      const { jose: viaJose, node: viaNode, answered } = await both(await make(), config)
      expect(viaJose.ok).toBe(accepted)
      expect(viaNode).toEqual(viaJose)
      expect(answered).toBe(answeredByNode ? 1 : 0)
    })
  }

  it('verifies keys imported non-extractable', async () => {
    const key = await importSPKI(pemOf('ES256'), 'ES256', { extractable: false })
    const [h, p, s] = rawToken({ alg: 'ES256' }, claims(), 'ES256').split('.')
    expect(nodeSignatureCheck('ES256', key, `${h}.${p}`, s!)).toBe(true)
  })

  it('leaves an algorithm it does not know, or a key made for another, to jose', async () => {
    const key = await importSPKI(pemOf('RS256'), 'RS256')
    expect(nodeSignatureCheck('RS256K', key, 'e30.e30', 'AAAA')).toBeUndefined()
    expect(nodeSignatureCheck('PS256', key, 'e30.e30', 'AAAA')).toBeUndefined()
    // A P-256 key for ES512, whose digest it could otherwise check: jose refuses the curve, so the check does not answer.
    const p256 = await importSPKI(pemOf('ES256'), 'ES256')
    const [h, p, s] = rawToken({ alg: 'ES256' }, claims(), 'ES256').split('.')
    expect(nodeSignatureCheck('ES256', p256, `${h}.${p}`, s!)).toBe(true)
    expect(nodeSignatureCheck('ES512', p256, `${h}.${p}`, s!)).toBeUndefined()
  })

  it('leaves a signature that is not strict base64url to jose, when called on its own', async () => {
    const key = await importSPKI(pemOf('ES512'), 'ES512')
    const [h, p, s] = rawToken({ alg: 'ES512' }, claims(), 'ES512').split('.')
    expect(nodeSignatureCheck('ES512', key, `${h}.${p}`, s!)).toBe(true)
    for (const bad of [`${s}A`, `${s}=`, `${s!.slice(0, 10)}+${s!.slice(11)}`, ` ${s}`]) expect(nodeSignatureCheck('ES512', key, `${h}.${p}`, bad)).toBeUndefined()
  })
})
