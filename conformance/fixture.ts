/**
 * The data every conformance scenario starts from: users and tokens with fixed values,
 * so a server in another process or runtime can seed exactly the same stores; and the
 * JWTs the identity-provider scenarios send, signed with a fixed test key.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { hashToken, tokenFromBody } from '../core/index.ts'
import type { TokenRecord } from '../storage/types.ts'
import type { SeedUser } from '../storage/memory/index.ts'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'

/** A store a fail-closed scenario makes unreachable. */
export type UnreachableStore = 'tokens' | 'users' | 'rateLimit'

/** Users and tokens to seed, as plain JSON-able data. */
export interface Fixture {
  /** PBKDF2 work factor for the seeded passwords (kept low so scenarios run fast). */
  readonly passwordIterations: number
  readonly users: readonly SeedUser[]
  readonly tokens: readonly (TokenRecord & { readonly token: string })[]
  /**
   * Stores whose every call throws, as a client of a database that cannot be reached
   * does: set for the fail-closed scenarios only. {@link seedMemoryStores} honours it; a
   * factory that seeds stores of its own must make these fail too.
   */
  readonly unreachable?: readonly UnreachableStore[]
}

const never = null
const longAgo = Date.UTC(2020, 0, 1)

/** Plaintext tokens of the fixture, by name. */
export const tokens = {
  alice: tokenFromBody('A1iceA1iceA1iceA1iceA1iceA1iceA1i'),
  aliceExpired: tokenFromBody('ExpiredExpiredExpiredExpiredExpir'),
  bob: tokenFromBody('BobBobBobBobBobBobBobBobBobBobBob'),
  ghost: tokenFromBody('GhostGhostGhostGhostGhostGhostGho'),
  reader: tokenFromBody('ReaderReaderReaderReaderReaderRea'),
  /** Well-formed, correct checksum, in no store. */
  unknown: tokenFromBody('UnknownUnknownUnknownUnknownUnkno'),
} as const

const record = (id: string, owner: string, token: string, expiresAt: number | null): TokenRecord & { token: string } => ({
  id,
  hash: hashToken(token),
  owner,
  name: id,
  createdAt: Date.UTC(2019, 0, 1),
  expiresAt,
  createdBy: owner,
  token,
})

/** Passwords of the fixture users; alice's holds a colon, so Basic must split on the first one. */
export const passwords = {
  admin: 'admin-pass',
  alice: 'open:sesame',
  bob: 'bob-pass',
  ghost: 'ghost-pass',
  reader: 'reader-pass',
} as const

/** The conformance fixture. */
export const fixture: Fixture = {
  passwordIterations: 1000,
  users: [
    { username: 'admin', password: passwords.admin, email: 'admin@example.com', groups: ['admins'] },
    { username: 'alice', password: passwords.alice, email: 'alice@example.com', groups: ['developers'] },
    { username: 'bob', password: passwords.bob, email: 'bob@example.com', groups: ['testers'] },
    { username: 'ghost', password: passwords.ghost, email: 'ghost@example.com', groups: ['developers'], active: false },
    { username: 'reader', password: passwords.reader, email: 'reader@example.com', groups: ['readers'] },
    // The service account client-credentials tokens run as; no password, no token.
    { username: 'svc-reporter', email: 'svc-reporter@example.com', groups: ['services'] },
  ],
  tokens: [
    record('tok-alice', 'alice', tokens.alice, never),
    record('tok-alice-expired', 'alice', tokens.aliceExpired, longAgo),
    record('tok-bob', 'bob', tokens.bob, never),
    record('tok-ghost', 'ghost', tokens.ghost, never),
    record('tok-reader', 'reader', tokens.reader, never),
  ],
}

/** Memory stores seeded with a fixture, its unreachable ones failing: what an in-process adapter's factory usually needs. */
export async function seedMemoryStores(data: Fixture = fixture): Promise<MemoryStores> {
  const stores = memoryStores({ passwordIterations: data.passwordIterations })
  for (const user of data.users) await stores.users.add(user)
  for (const { token: _plaintext, ...rest } of data.tokens) stores.tokens.insert(rest, Number.MAX_SAFE_INTEGER)
  if (!data.unreachable?.length) return stores
  const failing = { ...stores }
  for (const name of data.unreachable) (failing as Record<UnreachableStore, object>)[name] = unreachableStore(stores[name], name)
  return failing
}

/** `store` with every method throwing, as the client of an unreachable database does. */
function unreachableStore<T extends object>(store: T, name: UnreachableStore): T {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key)
      if (typeof value !== 'function') return value
      return () => {
        throw new Error(`stores.${name}: unreachable (conformance fixture)`)
      }
    },
  })
}

/** The `iss` of the fixture's JWTs. */
export const jwtIssuer = 'https://idp.conformance.example'

const publicPart = { kty: 'EC', crv: 'P-256', x: 'A-7Wy2qNVHXrEt89GbTN6YgJTspTzVG9ldUkiqZvAeU', y: 'ynPfb1XTwX6iKl_iqCWO8h7J4_pWJarWKmPs3KXcAmk' }

/**
 * The JWT signing key (ES256): a test key, public in this repository, so that scenarios
 * and servers in other processes share it. It signs nothing but the fixture's JWTs.
 */
const signingKey = createPrivateKey({ key: { ...publicPart, d: 'lG_w4wL-c1nBgBZEM_k6jz-Lfoo0ikIDq0qQJJKTwjU' }, format: 'jwk' })

/** The public half of the signing key as a JWK Set, for `jwt.issuers[].jwks`. */
export const jwtKeys = { keys: [{ ...publicPart, kid: 'conformance-es256', alg: 'ES256', use: 'sig' }] }

const base64url = (text: string) => Buffer.from(text).toString('base64url')

/** A compact JWS of `claims`, signed with the fixture key (synchronously, so the fixture is ready at load). */
function signJwt(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${base64url(JSON.stringify({ alg: 'ES256', kid: 'conformance-es256', typ: 'JWT', ...header }))}.${base64url(JSON.stringify(claims))}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: signingKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

const issuedAt = Date.UTC(2020, 0, 1) / 1000
const farFuture = Date.UTC(2100, 0, 1) / 1000
const claims = (sub: string, exp = farFuture) => ({ iss: jwtIssuer, sub, iat: issuedAt, exp })

/** JWTs for the identity-provider scenarios, by name. */
export const jwts = {
  /** Valid until 2100, for alice. */
  alice: signJwt(claims('alice')),
  /** Expired in 2020. */
  expired: signJwt(claims('alice', issuedAt + 3600)),
  /** Valid, for a user the directory lacks. */
  unknownUser: signJwt(claims('mallory')),
  /** bob's claims under the signature of alice's token. */
  forged: `${signJwt(claims('bob')).split('.').slice(0, 2).join('.')}.${signJwt(claims('alice')).split('.')[2]}`,
  /** Unsigned (`alg: none`). */
  unsigned: `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims('alice')))}.`,
} as const
