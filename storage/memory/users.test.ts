import { beforeEach, describe, expect, it } from 'vitest'
import { MemoryUserDirectory } from './users.ts'

describe('MemoryUserDirectory', () => {
  let users: MemoryUserDirectory

  beforeEach(() => {
    users = new MemoryUserDirectory({ iterations: 1000 })
  })

  it('fills neutral defaults and returns a frozen user', async () => {
    const alice = await users.add({ username: 'alice' })
    expect(alice).toEqual({ username: 'alice', key: 'user:alice', email: '', displayName: 'alice', active: true, groups: [], timeZone: 'UTC' })
    expect(Object.isFrozen(alice)).toBe(true)
    expect(alice).not.toHaveProperty('password')
  })

  it('keeps the fields it is given', async () => {
    const seed = { username: 'admin', key: 'JIRAUSER10000', email: 'admin@example.com', displayName: 'Admin', groups: ['admins'], timeZone: 'Europe/Paris', active: false }
    expect(await users.add(seed)).toEqual(seed)
  })

  it('finds a user by username exactly, or by email address in any case', async () => {
    const alice = await users.add({ username: 'alice', email: 'Alice@Example.com' })
    expect(users.find('alice')).toBe(alice)
    expect(users.find('Alice@Example.com')).toBe(alice)
    expect(users.find('alice@example.com')).toBe(alice)
    expect(users.find('ALICE@EXAMPLE.COM')).toBe(alice)
    expect(users.find('Alice')).toBeUndefined()
    expect(users.find('')).toBeUndefined()
    expect(users.find('nobody')).toBeUndefined()
  })

  it('prefers a username match over an email match', async () => {
    await users.add({ username: 'bob', email: 'carol' })
    const carol = await users.add({ username: 'carol' })
    expect(users.find('carol')).toBe(carol)
  })

  it('does not find a user by an empty email', async () => {
    await users.add({ username: 'alice' })
    expect(users.find('')).toBeUndefined()
  })

  it('replaces a user added again, and forgets the old email address', async () => {
    await users.add({ username: 'alice', email: 'old@example.com', password: 'old' })
    const again = await users.add({ username: 'alice', email: 'new@example.com' })
    expect(users.find('old@example.com')).toBeUndefined()
    expect(users.find('new@example.com')).toBe(again)
    // A replacement without a password keeps the old one.
    expect(await users.verifyPassword('alice', 'old')).toBe(true)
  })

  it('updates a user and re-indexes the email address', async () => {
    await users.add({ username: 'alice', email: 'alice@example.com', groups: ['dev'] })
    const updated = users.update('alice', { active: false, groups: ['ops'], email: 'a@example.org' })
    expect(updated).toMatchObject({ username: 'alice', active: false, groups: ['ops'], email: 'a@example.org' })
    expect(Object.isFrozen(updated)).toBe(true)
    expect(users.find('alice')).toBe(updated)
    expect(users.find('alice@example.com')).toBeUndefined()
    expect(users.find('A@EXAMPLE.ORG')).toBe(updated)
    expect(users.update('nobody', { active: false })).toBeUndefined()
  })

  it('checks passwords', async () => {
    await users.add({ username: 'alice', password: 'pässword:1' })
    await users.add({ username: 'nopass' })
    expect(await users.verifyPassword('alice', 'pässword:1')).toBe(true)
    expect(await users.verifyPassword('alice', 'password:1')).toBe(false)
    expect(await users.verifyPassword('alice', '')).toBe(false)
    expect(await users.verifyPassword('nobody', 'pässword:1')).toBe(false)
    expect(await users.verifyPassword('nopass', '')).toBe(false)
    expect(await users.verifyPassword('nopass', 'anything')).toBe(false)
  })

  it('checks passwords by username only, not by email address', async () => {
    await users.add({ username: 'alice', email: 'alice@example.com', password: 'pw' })
    expect(await users.verifyPassword('alice@example.com', 'pw')).toBe(false)
  })

  it('hashes passwords with the configured work factor', async () => {
    const slow = new MemoryUserDirectory({ iterations: 20_000 })
    const fast = new MemoryUserDirectory({ iterations: 1 })
    await slow.add({ username: 'a', password: 'pw' })
    await fast.add({ username: 'a', password: 'pw' })
    const time = async (directory: MemoryUserDirectory) => {
      const begin = performance.now()
      for (let i = 0; i < 5; i++) await directory.verifyPassword('a', 'pw')
      return performance.now() - begin
    }
    expect(await time(slow)).toBeGreaterThan(await time(fast))
  })
})
