import { defaultIterations, hashPassword, verifyPassword } from '../../core/crypto/password.ts'
import type { SeedUser, User, UserStore } from '../types.ts'

/**
 * An in-memory user directory with PBKDF2 password hashes. For tests, demos and hosts
 * that keep users elsewhere and only need the interface's shape as a model.
 */
export class MemoryUserDirectory implements UserStore {
  readonly #users = new Map<string, User>()
  readonly #byEmail = new Map<string, User>()
  readonly #hashes = new Map<string, string>()
  readonly #iterations: number
  #dummyHash: Promise<string> | undefined

  /** `iterations` sets the PBKDF2 work factor of passwords added later. */
  constructor(options: { iterations?: number } = {}) {
    this.#iterations = options.iterations ?? defaultIterations
  }

  /** Adds or replaces a user; fields left out get neutral defaults. */
  async add(seed: SeedUser): Promise<User> {
    const { password, ...fields } = seed
    const previous = this.#users.get(seed.username)
    if (previous) this.#byEmail.delete(previous.email.toLowerCase())
    const user: User = Object.freeze({
      key: `user:${seed.username}`,
      email: '',
      displayName: seed.username,
      active: true,
      groups: [],
      timeZone: 'UTC',
      ...fields,
    })
    this.#users.set(user.username, user)
    if (user.email) this.#byEmail.set(user.email.toLowerCase(), user)
    if (password !== undefined) this.#hashes.set(user.username, await hashPassword(password, this.#iterations))
    return user
  }

  /** Changes fields of an existing user (deactivating, regrouping); `undefined` when unknown. */
  update(username: string, change: Partial<Omit<User, 'username'>>): User | undefined {
    const user = this.#users.get(username)
    if (!user) return undefined
    const next: User = Object.freeze({ ...user, ...change })
    this.#users.set(username, next)
    this.#byEmail.delete(user.email.toLowerCase())
    if (next.email) this.#byEmail.set(next.email.toLowerCase(), next)
    return next
  }

  find(usernameOrEmail: string): User | undefined {
    return this.#users.get(usernameOrEmail) ?? this.#byEmail.get(usernameOrEmail.toLowerCase())
  }

  async verifyPassword(username: string, password: string): Promise<boolean> {
    const stored = this.#hashes.get(username)
    if (stored !== undefined) return verifyPassword(password, stored)
    // Same work as a real check, so an unknown username takes as long as a wrong password.
    this.#dummyHash ??= hashPassword('', this.#iterations)
    await verifyPassword(password, await this.#dummyHash)
    return false
  }
}
