import { defaultIterations, hashPassword, verifyPassword } from '../../core/crypto/password.ts'
import type { SeedUser, User, UserStore } from '../types.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { putUserScript } from './scripts/put-user.ts'
import { runScript } from './scripts/run.ts'

const maxAttempts = 10

/**
 * A user directory in Redis: one hash per user (with a PBKDF2 password hash from
 * `core/crypto/password.ts`) and an index by lowercased email address. Writes are
 * compare-and-set on a revision field, so concurrent changes of one user never
 * interleave half-way.
 */
export class RedisUserDirectory implements UserStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys
  readonly #iterations: number
  #dummyHash: Promise<string> | undefined

  /** `iterations` sets the PBKDF2 work factor of passwords added later. */
  constructor(redis: RedisClient, keys: RedisKeys, options: { iterations?: number } = {}) {
    this.#redis = redis
    this.#keys = keys
    this.#iterations = options.iterations ?? defaultIterations
  }

  /** Adds or replaces a user; fields left out get neutral defaults, a password left out stays as it was. */
  async add(seed: SeedUser): Promise<User> {
    const { password, ...fields } = seed
    const user = freeze({ key: `user:${seed.username}`, email: '', displayName: seed.username, active: true, groups: [], timeZone: 'UTC', ...fields })
    const hash = password === undefined ? '' : await hashPassword(password, this.#iterations)
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.#read(seed.username)
      if (await this.#put(user, current, hash)) return user
    }
    throw conflict(seed.username)
  }

  /** Changes fields of an existing user (deactivating, regrouping); `undefined` when unknown. */
  async update(username: string, change: Partial<Omit<User, 'username'>>): Promise<User | undefined> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.#read(username)
      if (!current) return undefined
      const next = freeze({ ...current.user, ...change, username })
      if (await this.#put(next, current, '')) return next
    }
    throw conflict(username)
  }

  async find(usernameOrEmail: string): Promise<User | undefined> {
    const [byName, byEmail] = await Promise.all([
      this.#redis.hgetall(this.#keys.user(usernameOrEmail)),
      this.#redis.get(this.#keys.userByEmail(usernameOrEmail.toLowerCase())),
    ])
    const named = decodeUser(byName)
    if (named || byEmail === null) return named
    const found = await this.#read(byEmail)
    return found && found.user.email.toLowerCase() === usernameOrEmail.toLowerCase() ? found.user : undefined
  }

  async verifyPassword(username: string, password: string): Promise<boolean> {
    const stored = await this.#redis.hget(this.#keys.user(username), 'password')
    if (stored !== null) return verifyPassword(password, stored)
    // Same work as a real check, so an unknown username takes as long as a wrong password.
    this.#dummyHash ??= hashPassword('', this.#iterations)
    await verifyPassword(password, await this.#dummyHash)
    return false
  }

  async #read(username: string): Promise<{ user: User; rev: string } | undefined> {
    const fields = await this.#redis.hgetall(this.#keys.user(username))
    const user = decodeUser(fields)
    return user && { user, rev: fields.rev ?? '' }
  }

  async #put(user: User, current: { user: User; rev: string } | undefined, passwordHash: string): Promise<boolean> {
    const k = this.#keys
    const oldEmail = current?.user.email.toLowerCase() ?? ''
    const newEmail = user.email.toLowerCase()
    const result = await runScript(
      this.#redis,
      putUserScript,
      [k.user(user.username), k.userByEmail(oldEmail), k.userByEmail(newEmail)],
      [
        current?.rev ?? '',
        user.username,
        oldEmail,
        newEmail,
        passwordHash,
        ...['username', user.username, 'key', user.key, 'email', user.email, 'displayName', user.displayName],
        ...['active', user.active ? '1' : '0', 'groups', JSON.stringify(user.groups), 'timeZone', user.timeZone],
      ],
    )
    return result === 1
  }
}

function freeze(user: User): User {
  const { username, key, email, displayName, active, groups, timeZone } = user
  return Object.freeze({ username, key, email, displayName, active, groups: [...groups], timeZone })
}

function decodeUser(fields: Record<string, string>): User | undefined {
  if (fields.username === undefined) return undefined
  return Object.freeze({
    username: fields.username,
    key: fields.key ?? '',
    email: fields.email ?? '',
    displayName: fields.displayName ?? '',
    active: fields.active === '1',
    groups: JSON.parse(fields.groups ?? '[]') as string[],
    timeZone: fields.timeZone ?? 'UTC',
  })
}

function conflict(username: string): Error {
  return Object.assign(new Error(`user ${JSON.stringify(username)} kept changing; gave up after ${maxAttempts} attempts`), { code: 'ERR_PORTCULLIS_REDIS_CONFLICT' })
}
