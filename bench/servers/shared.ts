/**
 * What every benchmark server shares, on Node and on Deno alike (web APIs only): the
 * parent's setup, the route and its JSON body, the demo users, the Portcullis configs.
 */
import { createPortcullis, type ConfigInput, type Portcullis, type PortcullisOptions, type User } from '../../core/index.ts'
import { demoUsers, myself } from '../../demo/app.ts'
import { memoryStores } from '../../storage/memory/index.ts'
import type { Stores, UserStore } from '../../storage/types.ts'

/** The one route every server answers. */
export const benchPath = '/rest/api/2/myself'
export const jsonType = 'application/json;charset=UTF-8'

/** The route's body: Jira's `myself` for `user`, as the demo answers it. */
export const body = (user: User, host: string | null | undefined): string => myself(user, `http://${host ?? 'localhost'}`)

/** What the parent (bench/http.ts) hands every server of a run, as JSON in `PORTCULLIS_BENCH_SETUP`. */
export interface BenchSetup {
  /** One RS256 public key and one token signed with it, for every JWT server of the run. */
  readonly jwt: { readonly issuer: string; readonly publicKey: string; readonly token: string }
  /** The `stores` suite's SQLite file (in a temporary directory the parent deletes). */
  readonly sqlitePath?: string
  /** The `stores` suite's Redis: its URL and a fresh key prefix (the parent deletes the keys). */
  readonly redis?: { readonly url: string; readonly prefix: string }
}

/** A listening server. */
export interface Started {
  readonly port: number
  /** The Authorization header value this server expects; `null` when it authenticates nothing. */
  readonly authorization: string | null
  close(): Promise<void>
}

/** How one server variant starts. */
export type Variant = (setup: BenchSetup) => Promise<Started>

/** The JWT's Authorization header value. */
export const jwtAuthorization = (setup: BenchSetup): string => `Bearer ${setup.jwt.token}`

/**
 * Portcullis config accepting the run's RS256 JWT. `cacheSeconds` 0 verifies every
 * request (a token at first sight); unset keeps the default verified-token cache.
 */
export function jwtConfig(setup: BenchSetup, cacheSeconds?: number): ConfigInput {
  return {
    jwt: {
      issuers: [{ issuer: setup.jwt.issuer, algorithms: ['RS256'], publicKey: setup.jwt.publicKey }],
      ...(cacheSeconds !== undefined && { cacheSeconds }),
    },
  }
}

/**
 * Adds the demo users to a store, without passwords: the benchmark authenticates with an
 * API token or a JWT, and skipping PBKDF2 at 600k iterations keeps start-up short.
 */
export async function seedUsers(users: UserStore): Promise<User> {
  for (const { password: _password, ...user } of demoUsers) if (!(await users.find(user.username))) await users.add(user)
  const alice = await users.find('alice')
  if (!alice) throw new Error('alice: not in the store after seeding')
  return alice
}

/** How a server's runtime tunes the engine: Node servers pass `nodeSignatureCheck`, as a Node application would. */
export type RuntimeOptions = Pick<PortcullisOptions, 'signatureCheck'>

/** A Portcullis on `stores` (seeded), with alice and, when API tokens are on, one of her tokens. */
export async function portcullisOn(config: ConfigInput, stores: Stores & { readonly users: UserStore }, runtime: RuntimeOptions = {}): Promise<{ portcullis: Portcullis; alice: User; tokenAuthorization: string }> {
  const alice = await seedUsers(stores.users)
  const portcullis = createPortcullis({ config, stores, ...runtime })
  const created = await portcullis.tokens().create(alice, { name: 'bench', validity: 'never' })
  if (!created.ok) throw new Error(`token create failed: ${created.error}`)
  return { portcullis, alice, tokenAuthorization: `Bearer ${created.value.token}` }
}

/** {@link portcullisOn} memory stores: the defaults, as `npm start` without a config file (audit on, API tokens on). */
export const memoryPortcullis = (config: ConfigInput = {}, runtime: RuntimeOptions = {}) => portcullisOn(config, memoryStores(), runtime)

/**
 * The users a peer library's server maps a verified `sub` to: the same records the
 * Portcullis servers read from their store, so every server answers the same body.
 */
export async function peerDirectory(): Promise<ReadonlyMap<string, User>> {
  const stores = memoryStores()
  await seedUsers(stores.users)
  const users = new Map<string, User>()
  for (const { username } of demoUsers) users.set(username, (await stores.users.find(username))!)
  return users
}

/** The user a verified JWT payload names, if the directory has them. */
export function userOf(users: ReadonlyMap<string, User>, payload: unknown): User | undefined {
  const sub = (payload as { sub?: unknown } | null)?.sub
  return typeof sub === 'string' ? users.get(sub) : undefined
}
