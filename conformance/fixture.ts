/**
 * The data every conformance scenario starts from: users and tokens with fixed values,
 * so a server in another process or runtime can seed exactly the same stores.
 */
import { hashToken, tokenFromBody } from '../core/index.ts'
import type { TokenRecord } from '../storage/types.ts'
import type { SeedUser } from '../storage/memory/index.ts'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'

/** Users and tokens to seed, as plain JSON-able data. */
export interface Fixture {
  /** PBKDF2 work factor for the seeded passwords (kept low so scenarios run fast). */
  readonly passwordIterations: number
  readonly users: readonly SeedUser[]
  readonly tokens: readonly (TokenRecord & { readonly token: string })[]
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
  ],
  tokens: [
    record('tok-alice', 'alice', tokens.alice, never),
    record('tok-alice-expired', 'alice', tokens.aliceExpired, longAgo),
    record('tok-bob', 'bob', tokens.bob, never),
    record('tok-ghost', 'ghost', tokens.ghost, never),
    record('tok-reader', 'reader', tokens.reader, never),
  ],
}

/** Memory stores seeded with a fixture: what an in-process adapter's factory usually needs. */
export async function seedMemoryStores(data: Fixture = fixture): Promise<MemoryStores> {
  const stores = memoryStores({ passwordIterations: data.passwordIterations })
  for (const user of data.users) await stores.users.add(user)
  for (const { token: _plaintext, ...rest } of data.tokens) stores.tokens.insert(rest, Number.MAX_SAFE_INTEGER)
  return stores
}
