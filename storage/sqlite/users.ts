import { defaultIterations, hashPassword, verifyPassword } from '../../core/crypto/password.ts'
import type { SeedUser, User, UserStore } from '../types.ts'
import type { SqliteConnection, SqliteRow } from './driver.ts'
import type { Transaction } from './transaction.ts'

const select = `
  SELECT username, key, email, display_name, active, time_zone,
    (SELECT json_group_array(group_name ORDER BY position) FROM user_groups g WHERE g.username = u.username) AS groups
  FROM users u`

function toUser(row: SqliteRow): User {
  return Object.freeze({
    username: row.username as string,
    key: row.key as string,
    email: row.email as string,
    displayName: row.display_name as string,
    active: row.active === 1 || row.active === 1n,
    groups: Object.freeze(JSON.parse(row.groups as string) as string[]),
    timeZone: row.time_zone as string,
  })
}

/**
 * A user directory in SQLite with PBKDF2 password hashes (`core/crypto/password.ts`).
 * Groups live in a `user_groups` join table (one row per membership, in the order
 * given), so a group's members are one indexed query away and a membership cannot
 * outlive its user.
 *
 * @example
 * ```ts
 * const { users } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * if (!users.find('alice')) await users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
 * ```
 */
export class SqliteUserStore implements UserStore {
  readonly #transaction: Transaction
  readonly #iterations: number
  readonly #byName
  readonly #byEmail
  readonly #upsert
  readonly #update
  readonly #clearGroups
  readonly #addGroup
  readonly #passwordHash
  #dummyHash: Promise<string> | undefined

  /** `iterations` sets the PBKDF2 work factor of passwords added later. */
  constructor(db: SqliteConnection, transaction: Transaction, options: { iterations?: number } = {}) {
    this.#transaction = transaction
    this.#iterations = options.iterations ?? defaultIterations
    this.#byName = db.prepare(`${select} WHERE username = ?`)
    this.#byEmail = db.prepare(`${select} WHERE email_lower = ? AND email_lower <> '' ORDER BY username LIMIT 1`)
    this.#upsert = db.prepare(`
      INSERT INTO users (username, key, email, email_lower, display_name, active, time_zone, password_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (username) DO UPDATE SET
        key = excluded.key, email = excluded.email, email_lower = excluded.email_lower,
        display_name = excluded.display_name, active = excluded.active, time_zone = excluded.time_zone,
        password_hash = coalesce(excluded.password_hash, password_hash)`)
    this.#update = db.prepare(
      'UPDATE users SET key = ?, email = ?, email_lower = ?, display_name = ?, active = ?, time_zone = ? WHERE username = ?',
    )
    this.#clearGroups = db.prepare('DELETE FROM user_groups WHERE username = ?')
    this.#addGroup = db.prepare('INSERT OR IGNORE INTO user_groups (username, group_name, position) VALUES (?, ?, ?)')
    this.#passwordHash = db.prepare('SELECT password_hash FROM users WHERE username = ?')
  }

  /** Adds or replaces a user; fields left out get neutral defaults, a password left out stays. */
  async add(seed: SeedUser): Promise<User> {
    const hash = seed.password === undefined ? null : await hashPassword(seed.password, this.#iterations)
    const email = seed.email ?? ''
    return this.#transaction(() => {
      this.#upsert.run(
        seed.username,
        seed.key ?? `user:${seed.username}`,
        email,
        email.toLowerCase(),
        seed.displayName ?? seed.username,
        seed.active === false ? 0 : 1,
        seed.timeZone ?? 'UTC',
        hash,
      )
      this.#setGroups(seed.username, seed.groups ?? [])
      return toUser(this.#byName.get(seed.username)!)
    })
  }

  /** Changes fields of an existing user (deactivating, regrouping); `undefined` when unknown. */
  update(username: string, change: Partial<Omit<User, 'username'>>): User | undefined {
    return this.#transaction(() => {
      const row = this.#byName.get(username)
      if (!row) return undefined
      const user = toUser(row)
      const email = change.email ?? user.email
      this.#update.run(
        change.key ?? user.key,
        email,
        email.toLowerCase(),
        change.displayName ?? user.displayName,
        (change.active ?? user.active) ? 1 : 0,
        change.timeZone ?? user.timeZone,
        username,
      )
      if (change.groups) this.#setGroups(username, change.groups)
      return toUser(this.#byName.get(username)!)
    })
  }

  find(usernameOrEmail: string): User | undefined {
    const row = this.#byName.get(usernameOrEmail) ?? this.#byEmail.get(usernameOrEmail.toLowerCase())
    return row && toUser(row)
  }

  async verifyPassword(username: string, password: string): Promise<boolean> {
    const stored = this.#passwordHash.get(username)?.password_hash
    if (typeof stored === 'string') return verifyPassword(password, stored)
    // Same work as a real check, so an unknown username takes as long as a wrong password.
    this.#dummyHash ??= hashPassword('', this.#iterations)
    await verifyPassword(password, await this.#dummyHash)
    return false
  }

  #setGroups(username: string, groups: readonly string[]): void {
    this.#clearGroups.run(username)
    groups.forEach((group, position) => this.#addGroup.run(username, group, position))
  }
}
