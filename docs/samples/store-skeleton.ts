import type {
  AttemptOutcome, AuditQuery, AuditRecord, AuditRetention, AuditStore, LockoutPolicy, LoginThrottleStore,
  RateLimitResult, RateLimitStore, SeedUser, TokenRecord, TokenStore, User, UserStore,
} from 'portcullis'
import type { ContractStores } from 'portcullis/storage/contract'

/** API tokens. Every record holds the SHA-256 of a token, never the token. */
export class MyTokenStore implements TokenStore {
  /** Count the owner's tokens and insert in ONE atomic step: parallel creations must not pass maxPerUser. */
  async insert(record: TokenRecord, maxPerUser: number): Promise<'inserted' | 'limit-reached'> { throw new Error('todo') }
  /** The hot path: one indexed lookup per request (asynchronous stores get an LRU cache in front). */
  async findByHash(hash: string): Promise<TokenRecord | undefined> { throw new Error('todo') }
  async findById(id: string): Promise<TokenRecord | undefined> { throw new Error('todo') }
  /** Oldest first (by createdAt). */
  async listByOwner(owner: string): Promise<readonly TokenRecord[]> { throw new Error('todo') }
  /** false when it did not exist. */
  async delete(id: string): Promise<boolean> { throw new Error('todo') }
  /** Tokens with expiresAt <= expiredBefore (never-expiring ones kept), of one owner or all; returns them. */
  async deleteExpired(expiredBefore: number, owner?: string): Promise<readonly TokenRecord[]> { throw new Error('todo') }
}

/** Users, for hosts without a directory of their own. */
export class MyUserStore implements UserStore {
  /** By username exactly, else by email address in any case. */
  async find(usernameOrEmail: string): Promise<User | undefined> { throw new Error('todo') }
  /** A slow hash (hashPassword/verifyPassword from 'portcullis'); as slow for an unknown user as for a wrong password. */
  async verifyPassword(username: string, password: string): Promise<boolean> { throw new Error('todo') }
  /** Adds or replaces; missing fields get neutral defaults (active, no groups, UTC). */
  async add(seed: SeedUser): Promise<User> { throw new Error('todo') }
  async update(username: string, change: Partial<Omit<User, 'username'>>): Promise<User | undefined> { throw new Error('todo') }
}

/** Rate-limit counters: a sliding window log per key. */
export class MyRateLimitStore implements RateLimitStore {
  /** Check and record in ONE atomic step, across every instance sharing the store. */
  async consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> { throw new Error('todo') }
}

/** Optional: password attempts shared by your instances. Without it, each process counts its own. */
export class MyLoginThrottleStore implements LoginThrottleStore {
  /** In ONE atomic step: 0 and the attempt in progress on every key (until now + leaseMs), or ms to wait (a lock, or maxFailures failures and attempts in progress). */
  async begin(keys: readonly string[], attempt: string, policy: LockoutPolicy, now: number): Promise<number> { throw new Error('todo') }
  /** In ONE atomic step: the attempt ends; a failure is counted and may lock; a success forgets the first key's failures. */
  async settle(keys: readonly string[], attempt: string, outcome: AttemptOutcome, policy: LockoutPolicy, now: number): Promise<boolean> { throw new Error('todo') }
}

/** The audit log. */
export class MyAuditStore implements AuditStore {
  async append(record: AuditRecord): Promise<void> { throw new Error('todo') }
  /** Newest first; from inclusive, to exclusive; at most limit. */
  async query(filter?: AuditQuery): Promise<readonly AuditRecord[]> { throw new Error('todo') }
  /** Removes records older than before and/or beyond the newest keep; returns how many. */
  async prune(retention: AuditRetention): Promise<number> { throw new Error('todo') }
}

/** A fresh, empty set for each call: what the store suite and createPortcullis take. */
export async function openMyStores(namespace: string): Promise<ContractStores & { close(): Promise<void> }> {
  void namespace // a new database, schema or key prefix per namespace
  return {
    tokens: new MyTokenStore(), users: new MyUserStore(), rateLimit: new MyRateLimitStore(), audit: new MyAuditStore(),
    loginThrottle: new MyLoginThrottleStore(), close: async () => {},
  }
}
