/**
 * Keys and signed tokens for bench/jwt.ts: one issuer key pair per algorithm, its public
 * key in every form the compared verifiers take (the PEM the engine is configured with,
 * the CryptoKey jose imports from that PEM, a node:crypto KeyObject), and pools of
 * distinct tokens signed before anything is timed.
 */
import { createPublicKey, randomUUID, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto'
import { exportSPKI, generateKeyPair, importSPKI, SignJWT } from 'jose'

export type BenchAlgorithm = 'RS256' | 'ES256'

/** An issuer's key in the forms the bench's verifiers take. */
export interface IssuerKey {
  readonly alg: BenchAlgorithm
  /** The exact `iss` of this issuer's tokens. */
  readonly issuer: string
  /** SPKI PEM: what the engine's config (`jwt.issuers[].publicKey`) holds. */
  readonly pem: string
  /** `importSPKI(pem, alg)`, as the engine imports it: what raw `jose.jwtVerify` gets. */
  readonly cryptoKey: CryptoKey
  /** `createPublicKey(pem)` with the signature encoding JWS uses: for `node:crypto.verify`. */
  readonly nodeKey: VerifyKeyObjectInput
  /** Signs `count` distinct tokens for `sub` (each its own `jti`), valid for a day. */
  sign(sub: string, count: number): Promise<string[]>
}

/** A fresh key pair for `alg` (RSA 2048 for RS256, P-256 for ES256). */
export async function issuerKey(alg: BenchAlgorithm): Promise<IssuerKey> {
  const pair = await generateKeyPair(alg, { extractable: true })
  const pem = await exportSPKI(pair.publicKey)
  const issuer = `https://idp.example.com/${alg.toLowerCase()}`
  const keyObject: KeyObject = createPublicKey(pem)
  const sign = async (sub: string, count: number) => {
    const iat = Math.floor(Date.now() / 1000)
    const one = () => new SignJWT({ sub, jti: randomUUID() }).setProtectedHeader({ alg, typ: 'JWT' }).setIssuer(issuer).setIssuedAt(iat).setExpirationTime(iat + 86_400).sign(pair.privateKey)
    const out: string[] = []
    // Web Crypto signs on the libuv thread pool: a few at a time keep every core busy.
    for (let i = 0; i < count; i += 64) out.push(...(await Promise.all(Array.from({ length: Math.min(64, count - i) }, one))))
    if (new Set(out).size !== count) throw new Error(`${alg}: signed tokens are not all distinct`)
    return out
  }
  return {
    alg,
    issuer,
    pem,
    cryptoKey: await importSPKI(pem, alg),
    nodeKey: alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : { key: keyObject },
    sign,
  }
}

/**
 * The JWS signature check alone, synchronous, with node:crypto: split the compact token,
 * decode the signature, verify it over `header.payload`. No claim is read. A reference for
 * what an injected Node signature check could cost, not a JWT verifier.
 */
export function nodeVerifySignature(token: string, key: VerifyKeyObjectInput): boolean {
  const dot = token.lastIndexOf('.')
  return verify('sha256', Buffer.from(token.slice(0, dot)), key, Buffer.from(token.slice(dot + 1), 'base64url'))
}
