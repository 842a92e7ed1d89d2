/**
 * The store contracts the engine depends on. Every method may be sync or async; stores
 * see token hashes, never plaintext tokens. Memory, SQLite and Redis implement them and
 * pass the same store suite.
 */

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>

/** A user of the host's directory. */
export interface User {
  /** Login name, unique. */
  readonly username: string
  /** Stable key that survives renames (Jira's `JIRAUSER10000`). */
  readonly key: string
  readonly email: string
  readonly displayName: string
  /** A deactivated user is refused whatever credential they hold. */
  readonly active: boolean
  readonly groups: readonly string[]
  /** IANA time zone. */
  readonly timeZone: string
}

/** The host's users and their passwords. */
export interface UserDirectory {
  /** Looks a user up by username, or by email address when no username matches. */
  find(usernameOrEmail: string): Awaitable<User | undefined>
  /**
   * Checks a password with a slow hash. Must take about as long for an unknown user as
   * for a wrong password, so timing does not reveal which usernames exist.
   */
  verifyPassword(username: string, password: string): Awaitable<boolean>
}

/** A user to add to a {@link UserStore}, with their password in clear (hashed on the way in). */
export interface SeedUser extends Partial<Omit<User, 'username'>> {
  readonly username: string
  readonly password?: string
}

/**
 * A user directory Portcullis keeps itself (memory, SQLite, Redis), for hosts without
 * their own and for the demo. A host with its own directory implements
 * {@link UserDirectory} only.
 */
export interface UserStore extends UserDirectory {
  /** Adds or replaces a user; fields left out get neutral defaults (active, no groups, UTC). */
  add(seed: SeedUser): Awaitable<User>
  /** Changes fields of an existing user (deactivating, regrouping); `undefined` when unknown. */
  update(username: string, change: Partial<Omit<User, 'username'>>): Awaitable<User | undefined>
}

/** A stored API token. Holds the SHA-256 of the token, never the token. */
export interface TokenRecord {
  /** Public identifier used by the management API and the audit log. */
  readonly id: string
  /** Lowercase hex SHA-256 of the token. */
  readonly hash: string
  /** Username of the owner. */
  readonly owner: string
  readonly name: string
  /** Epoch milliseconds. */
  readonly createdAt: number
  /** Epoch milliseconds, or `null` for a token that never expires. */
  readonly expiresAt: number | null
  /** Username of whoever created it (the owner, or an admin). */
  readonly createdBy: string
}

/** Persistence of API tokens. */
export interface TokenStore {
  /**
   * Inserts a token unless its owner already holds `maxPerUser` tokens; the count and
   * the insert are one atomic step, so parallel creations cannot exceed the limit.
   */
  insert(record: TokenRecord, maxPerUser: number): Awaitable<'inserted' | 'limit-reached'>
  findByHash(hash: string): Awaitable<TokenRecord | undefined>
  findById(id: string): Awaitable<TokenRecord | undefined>
  /** Every token of one owner, oldest first. */
  listByOwner(owner: string): Awaitable<readonly TokenRecord[]>
  /** Deletes one token; `false` when it did not exist. */
  delete(id: string): Awaitable<boolean>
  /**
   * Deletes tokens whose expiry is at or before `expiredBefore` (epoch ms), of one owner
   * or of everyone, and returns the deleted records.
   */
  deleteExpired(expiredBefore: number, owner?: string): Awaitable<readonly TokenRecord[]>
}

/** The answer of {@link RateLimitStore.consume}. */
export interface RateLimitResult {
  /** Whether this request was counted and may proceed. */
  readonly allowed: boolean
  /** Requests left in the current window after this one. */
  readonly remaining: number
  /** Milliseconds until the oldest counted request leaves the window (a slot frees). */
  readonly resetMs: number
}

/**
 * Rate-limit counters: a sliding window log per key. `consume` checks and records in one
 * atomic step, so parallel requests (and, for a shared store, several instances) never
 * exceed the limit together.
 */
export interface RateLimitStore {
  consume(key: string, limit: number, windowMs: number, now: number): Awaitable<RateLimitResult>
}

/** The lockout a {@link LoginThrottleStore} applies: `passwordLockout`, in milliseconds. */
export interface LockoutPolicy {
  /** Failures within the window that lock a key; failures and attempts in progress together never exceed it. */
  readonly maxFailures: number
  readonly windowMs: number
  /** How long a lock lasts. */
  readonly lockMs: number
  /**
   * How long an attempt in progress holds its place: longer than any password check. An
   * attempt never settled (its process died, a store call timed out) frees its place then.
   */
  readonly leaseMs: number
}

/** How a password attempt ended, for {@link LoginThrottleStore.settle}. */
export type AttemptOutcome =
  /** A wrong password: counted as a failure, which may lock the attempt's keys. */
  | 'failure'
  /** The right password: the username's failures are forgotten. */
  | 'success'
  /** Neither (the provider did not answer, or refused our client): nothing is counted. */
  | 'void'

/**
 * Password attempts per key (`user:<name>`, `client:<address>`): failures, attempts in
 * progress, and the locks they led to. An attempt holds a place from before its password
 * is checked until it is settled, so a burst of parallel guesses gets no more checks than
 * `maxFailures`, not one per request. The engine keeps the counts in its own process unless
 * `stores.loginThrottle` is set: a store shared by several instances (Redis, a SQLite file)
 * makes the lockout hold for all of them together. Keys are distinct within a call, and
 * attempt ids unique.
 */
export interface LoginThrottleStore {
  /**
   * Starts an attempt on every key, in one atomic step, or refuses it: when a key is
   * locked, with the milliseconds until the lock ends; when a key's failures within
   * `windowMs` and attempts in progress (within their lease) already number `maxFailures`,
   * with the milliseconds until the first of them frees its place. Returns 0 when the
   * attempt goes ahead: it is then in progress on every key until `now + leaseMs`.
   */
  begin(keys: readonly string[], attempt: string, policy: LockoutPolicy, now: number): Awaitable<number>
  /**
   * Ends an attempt, in one atomic step: it is no longer in progress on any key. A
   * `failure` is counted at `now` on every key not locked, and a key with `maxFailures`
   * failures within the window is locked for `lockMs` from `now`, its failures forgotten;
   * a `success` forgets the first key's (the username's) failures. Attempts of others in
   * progress keep their places. Returns whether a key was locked.
   */
  settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, policy: LockoutPolicy, now: number): Awaitable<boolean>
}

/** What happened, as the audit log counts it. */
export type AuditOutcomeName =
  | 'success'
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'unavailable'
  | 'rejected'
  | 'bypass'
  | 'pass'

/** One audit log entry. Never holds a secret; text fields have control characters escaped. */
export interface AuditRecord {
  /** Epoch milliseconds. */
  readonly time: number
  readonly event: 'authenticate' | 'token.create' | 'token.delete' | 'token.delete-expired'
  readonly outcome: AuditOutcomeName
  /** Error id on a deny; the method or pass reason otherwise. */
  readonly reason: string
  /** More about a refusal, for operators (a provider's reason, a JWT check that failed); never a secret. */
  readonly detail?: string
  /** The acting user, when known. */
  readonly user?: string
  /** For token events: the token's owner. */
  readonly owner?: string
  /** How the user authenticated. */
  readonly via?: string
  readonly tokenId?: string
  /** HTTP method. */
  readonly method: string
  /** Normalised request path, without the query string (it may hold secrets). */
  readonly path: string
  /** Client address. */
  readonly client: string
  /** Allowed while the rate-limit store was failing (`rateLimit.onStoreFailure: "allow"`). */
  readonly degraded?: true
}

/** Filter for {@link AuditStore.query}. */
export interface AuditQuery {
  readonly user?: string
  readonly outcome?: AuditOutcomeName
  /** Inclusive lower bound, epoch ms. */
  readonly from?: number
  /** Exclusive upper bound, epoch ms. */
  readonly to?: number
  /** At most this many, newest first. */
  readonly limit?: number
}

/** What {@link AuditStore.prune} removes. */
export interface AuditRetention {
  /** Remove records older than this (epoch ms, exclusive). */
  readonly before?: number
  /** Keep only the newest this many records. */
  readonly keep?: number
}

/** Append-only audit log with retention. */
export interface AuditStore {
  append(record: AuditRecord): Awaitable<void>
  /** Matching records, newest first. */
  query(filter?: AuditQuery): Awaitable<readonly AuditRecord[]>
  /** Removes records by age and/or count; returns how many were removed. */
  prune(retention: AuditRetention): Awaitable<number>
}

/**
 * Checks one kind of the host's own tokens: its personal access tokens (`stores.hostTokens`,
 * behind `hostTokens.enabled`) or its native OAuth access tokens (`stores.hostOAuthTokens`,
 * behind `hostTokens.oauth`). Returns the username the token belongs to, or `undefined`
 * when it is not valid.
 */
export type HostTokenVerifier = (token: string) => Awaitable<string | undefined>

/** Everything the engine reads and writes. */
export interface Stores {
  readonly tokens: TokenStore
  readonly users: UserDirectory
  readonly audit?: AuditStore
  /** Required when `rateLimit.enabled`. */
  readonly rateLimit?: RateLimitStore
  /** Failed password attempts shared with other instances; unset, each process counts its own. */
  readonly loginThrottle?: LoginThrottleStore
  /** The host's personal access tokens; required when `hostTokens.enabled`. */
  readonly hostTokens?: HostTokenVerifier
  /** The host's native OAuth access tokens; required when `hostTokens.oauth`. */
  readonly hostOAuthTokens?: HostTokenVerifier
  /**
   * Whether `createPortcullis` caches token and user reads in this process (for
   * `stores.cacheSeconds`). Unset: only when the reads answer with promises (a networked
   * store). A synchronous store that still runs a query per read (SQLite) sets `true`;
   * an in-memory one gains nothing from a cache.
   */
  readonly cacheReads?: boolean
}
