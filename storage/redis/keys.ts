/**
 * The Redis key layout. Every key starts with the store's prefix. Keys that one Lua
 * script touches together share a hash tag (the part in braces), so they sit in one
 * Redis Cluster slot and the script can run there:
 *
 * ```
 * {<prefix>:tokens}:hash:<sha256>   HASH    a token record, by the SHA-256 of the token
 * {<prefix>:tokens}:id:<id>         STRING  the token's SHA-256, by its public id
 * {<prefix>:tokens}:owner:<owner>   ZSET    SHA-256s of one owner's tokens, scored by createdAt
 * {<prefix>:tokens}:expiry          ZSET    SHA-256s of tokens that expire, scored by expiresAt
 * {<prefix>:users}:user:<username>  HASH    a user, with their PBKDF2 password hash
 * {<prefix>:users}:email:<email>    STRING  username, by lowercased email address
 * {<prefix>:audit}:log              ZSET    audit records, scored by time
 * <prefix>:rate:<key>               ZSET    one rate-limit key's accepted requests (always with a TTL)
 * {<prefix>:login}:failures:<key>   ZSET    a login-throttle key's failures, scored by time (with a TTL)
 * {<prefix>:login}:attempts:<key>   ZSET    its attempts in progress, scored by the end of their lease (with a TTL)
 * {<prefix>:login}:lock:<key>       STRING  when a locked login-throttle key unlocks, epoch ms (with a TTL)
 * ```
 *
 * Rate-limit keys carry no tag, so they spread over the cluster. On a single Redis one
 * script call covers every key consumed in an event-loop turn; on a cluster each consume
 * is a call of its own, whose one key trivially sits in one slot (see rate-limit.ts).
 */

/** The key names of one prefix. */
export interface RedisKeys {
  readonly prefix: string
  tokenByHash(hash: string): string
  tokenById(id: string): string
  tokensOfOwner(owner: string): string
  readonly tokenExpiry: string
  user(username: string): string
  /** `email` lowercased by the caller. */
  userByEmail(email: string): string
  readonly auditLog: string
  rate(key: string): string
  loginFailures(key: string): string
  loginAttempts(key: string): string
  loginLock(key: string): string
}

const prefixPattern = /^[A-Za-z0-9_.:-]{1,64}$/

/** Builds the key names of one prefix; a prefix with braces or spaces is refused. */
export function redisKeys(prefix: string): RedisKeys {
  if (!prefixPattern.test(prefix)) {
    throw Object.assign(new TypeError('prefix: expected 1 to 64 characters of A-Z a-z 0-9 _ . : -'), { code: 'ERR_PORTCULLIS_REDIS_PREFIX' })
  }
  const tokens = `{${prefix}:tokens}`
  const users = `{${prefix}:users}`
  const audit = `{${prefix}:audit}`
  const login = `{${prefix}:login}`
  return Object.freeze({
    prefix,
    tokenByHash: (hash: string) => `${tokens}:hash:${hash}`,
    tokenById: (id: string) => `${tokens}:id:${id}`,
    tokensOfOwner: (owner: string) => `${tokens}:owner:${owner}`,
    tokenExpiry: `${tokens}:expiry`,
    user: (username: string) => `${users}:user:${username}`,
    userByEmail: (email: string) => `${users}:email:${email}`,
    auditLog: `${audit}:log`,
    rate: (key: string) => `${prefix}:rate:${key}`,
    loginFailures: (key: string) => `${login}:failures:${key}`,
    loginAttempts: (key: string) => `${login}:attempts:${key}`,
    loginLock: (key: string) => `${login}:lock:${key}`,
  })
}
