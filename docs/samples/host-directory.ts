import { createPortcullis, hashPassword, verifyPassword, type User, type UserDirectory } from 'portcullis'
import { MemoryTokenStore } from 'portcullis/storage/memory'

/** A row of the host's own user table (shape it as yours is). */
interface UserRow {
  readonly login: string
  readonly id: number
  readonly email: string
  readonly fullName: string
  readonly disabled: boolean
  readonly roles: readonly string[]
  readonly passwordHash: string // from hashPassword()
}

/** The host's user table behind the UserDirectory interface: Portcullis reads it, never writes it. */
export function hostDirectory(findRow: (loginOrEmail: string) => Promise<UserRow | undefined>): UserDirectory {
  // Checked against when the user does not exist, so that costs as much time as a wrong password.
  const dummyHash = hashPassword('not a password')
  const toUser = (row: UserRow): User => ({
    username: row.login,
    key: `user-${row.id}`,
    email: row.email,
    displayName: row.fullName,
    active: !row.disabled,
    groups: row.roles,
    timeZone: 'UTC',
  })
  return {
    async find(usernameOrEmail) {
      const row = await findRow(usernameOrEmail)
      return row && toUser(row)
    },
    async verifyPassword(username, password) {
      const row = await findRow(username)
      const valid = await verifyPassword(password, row?.passwordHash ?? (await dummyHash))
      return row !== undefined && valid
    },
  }
}

// Tokens in a store of ours, users in the host's table (an in-memory table for this example).
const rows = new Map<string, UserRow>([
  ['alice', { login: 'alice', id: 1, email: 'alice@example.com', fullName: 'Alice', disabled: false, roles: ['developers'], passwordHash: await hashPassword('s3cret') }],
])
const portcullis = createPortcullis({
  config: {},
  stores: { tokens: new MemoryTokenStore(), users: hostDirectory(async (name) => rows.get(name)) },
})
console.log(portcullis.config.protectedPrefix) // '/rest/'
