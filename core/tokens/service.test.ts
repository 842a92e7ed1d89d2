import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { User } from '../../storage/types.ts'
import { loadConfig } from '../config/load.ts'
import type { ConfigInput } from '../config/schema.ts'
import { hashToken, isWellFormedToken } from './format.ts'
import { TokenService, type CreatedToken, type ServiceResult } from './service.ts'

const start = Date.UTC(2025, 0, 15, 12, 0, 0)
const dayMs = 86_400_000
const origin = { method: 'POST', path: '/rest/auth/1/token', client: '192.0.2.1' }

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error}${result.detail ? `: ${result.detail}` : ''}`)
  return result.value
}

describe('TokenService', () => {
  let stores: MemoryStores
  let clock: number
  let alice: User, bob: User, root: User, lead: User, gone: User

  const service = (input: ConfigInput = {}) => new TokenService(loadConfig(input), stores, origin, () => clock)

  beforeEach(async () => {
    clock = start
    stores = memoryStores({ passwordIterations: 1000 })
    alice = await stores.users.add({ username: 'alice', email: 'alice@example.com', groups: ['developers'] })
    bob = await stores.users.add({ username: 'bob', groups: ['developers'] })
    root = await stores.users.add({ username: 'root', groups: ['admins'] })
    lead = await stores.users.add({ username: 'lead', groups: ['leads'] })
    gone = await stores.users.add({ username: 'gone', active: false })
  })

  describe('create', () => {
    it('creates a token for the actor and shows it once', async () => {
      const created = value(await service().create(alice, { name: 'laptop', validity: '1m' }))
      expect(isWellFormedToken(created.token)).toBe(true)
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9A-Za-z]{13}$/),
        name: 'laptop',
        owner: 'alice',
        createdBy: 'alice',
        createdAt: '2025-01-15T12:00:00.000Z',
        expiresAt: '2025-02-15T12:00:00.000Z',
        expired: false,
        expiresInDays: 31,
        token: created.token,
      })
    })

    it('stores only the hash of the token', async () => {
      const created = value(await service().create(alice, { name: 'laptop', validity: '6m' }))
      const record = stores.tokens.findById(created.id)!
      expect(record.hash).toBe(hashToken(created.token))
      expect(JSON.stringify(record)).not.toContain(created.token)
      expect(stores.tokens.findByHash(hashToken(created.token))?.id).toBe(created.id)
    })

    it('creates a token that never expires', async () => {
      const created = value(await service().create(alice, { name: 'ci', validity: 'never' }))
      expect([created.expiresAt, created.expiresInDays, created.expired]).toEqual([null, null, false])
      expect(stores.tokens.findById(created.id)!.expiresAt).toBeNull()
    })

    it('lets an admin create a token for another user', async () => {
      const created = value(await service().create(root, { name: 'for alice', validity: '6m', owner: 'alice' }))
      expect([created.owner, created.createdBy]).toEqual(['alice', 'root'])
      expect(stores.tokens.listByOwner('alice').map((r) => r.id)).toEqual([created.id])
    })

    it('refuses a non-admin creating for another user', async () => {
      expect(await service().create(alice, { name: 'x', validity: '6m', owner: 'bob' })).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(stores.tokens.listByOwner('bob')).toEqual([])
    })

    it("lets members of createForOthers create for others, but no one creates for themselves what they could not", async () => {
      const tokens = service({ apiTokens: { permissions: { createForOthers: ['leads'] } } })
      expect(value(await tokens.create(lead, { name: 'x', validity: '6m', owner: 'bob' })).owner).toBe('bob')
      expect((await tokens.create(alice, { name: 'x', validity: '6m', owner: 'bob' })).ok).toBe(false)
    })

    it('with allowUserCreation off, lets only admins create, for anyone', async () => {
      const tokens = service({ apiTokens: { allowUserCreation: false, permissions: { createForOthers: ['leads'] } } })
      expect(await tokens.create(alice, { name: 'x', validity: '6m' })).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(await tokens.create(lead, { name: 'x', validity: '6m', owner: 'bob' })).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(value(await tokens.create(root, { name: 'x', validity: '6m' })).owner).toBe('root')
      expect(value(await tokens.create(root, { name: 'x', validity: '6m', owner: 'alice' })).owner).toBe('alice')
    })

    it('lets only the createForSelf groups (and admins) create for themselves', async () => {
      const tokens = service({ apiTokens: { permissions: { createForSelf: ['leads'] } } })
      expect(await tokens.create(alice, { name: 'x', validity: '6m' })).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(value(await tokens.create(lead, { name: 'x', validity: '6m' })).owner).toBe('lead')
      expect(value(await tokens.create(root, { name: 'x', validity: '6m' })).owner).toBe('root')
    })

    it('honours admin groups from the config', async () => {
      const tokens = service({ adminGroups: ['developers'] })
      expect(value(await tokens.create(alice, { name: 'x', validity: '6m', owner: 'bob' })).owner).toBe('bob')
      expect((await tokens.create(root, { name: 'x', validity: '6m', owner: 'bob' })).ok).toBe(false)
    })

    it('refuses a validity above the maximum, naming the field and the choices', async () => {
      expect(await service({ apiTokens: { maxValidity: '6m' } }).create(alice, { name: 'x', validity: '1y' })).toEqual({
        ok: false,
        error: 'token_request_invalid',
        detail: 'validity: expected one of "6m" (the maximum is "6m")',
      })
      expect(await service({ apiTokens: { maxValidity: '1y' } }).create(alice, { name: 'x', validity: 'never' })).toEqual({
        ok: false,
        error: 'token_request_invalid',
        detail: 'validity: expected one of "6m", "1y" (the maximum is "1y")',
      })
      expect(await service({ apiTokens: { maxValidity: '2y' } }).create(alice, { name: 'x', validity: '3m' })).toEqual({
        ok: false,
        error: 'token_request_invalid',
        detail: 'validity: expected one of "6m", "1y", "2y" (the maximum is "2y")',
      })
      expect(stores.tokens.listByOwner('alice')).toEqual([])
    })

    it('applies the maximum to admins too', async () => {
      expect((await service({ apiTokens: { maxValidity: '6m' } }).create(root, { name: 'x', validity: 'never', owner: 'alice' })).ok).toBe(false)
    })

    it('accepts every validity the maximum allows', async () => {
      const tokens = service({ apiTokens: { maxValidity: '2y' } })
      for (const validity of ['6m', '1y', '2y'] as const) expect((await tokens.create(alice, { name: validity, validity })).ok).toBe(true)
    })

    it('refuses an owner who is unknown, inactive or named by email', async () => {
      for (const owner of ['nobody', 'gone', 'alice@example.com']) {
        expect(await service().create(root, { name: 'x', validity: '6m', owner })).toEqual({
          ok: false,
          error: 'token_request_invalid',
          detail: 'username: expected the username of an active user',
        })
      }
      expect(gone.active).toBe(false)
    })

    it('treats owner equal to the actor as creating for self', async () => {
      expect(value(await service().create(alice, { name: 'x', validity: '6m', owner: 'alice' })).owner).toBe('alice')
    })

    it('enforces maxPerUser for each owner', async () => {
      const tokens = service({ apiTokens: { maxPerUser: 2 } })
      expect((await tokens.create(alice, { name: '1', validity: '6m' })).ok).toBe(true)
      expect((await tokens.create(alice, { name: '2', validity: '6m' })).ok).toBe(true)
      expect(await tokens.create(alice, { name: '3', validity: '6m' })).toEqual({ ok: false, error: 'token_limit_reached' })
      expect(await tokens.create(root, { name: '3', validity: '6m', owner: 'alice' })).toEqual({ ok: false, error: 'token_limit_reached' })
      expect((await tokens.create(bob, { name: '1', validity: '6m' })).ok).toBe(true)
      expect(stores.tokens.listByOwner('alice')).toHaveLength(2)
    })

    it('never exceeds maxPerUser with parallel creations', async () => {
      const tokens = service({ apiTokens: { maxPerUser: 3 } })
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => tokens.create(alice, { name: `t${i}`, validity: '6m' })))
      expect(results.filter((r) => r.ok)).toHaveLength(3)
      expect(results.filter((r) => !r.ok && r.error === 'token_limit_reached')).toHaveLength(17)
      expect(stores.tokens.listByOwner('alice')).toHaveLength(3)
    })

    it('frees a place when a token is revoked', async () => {
      const tokens = service({ apiTokens: { maxPerUser: 1 } })
      const first = value(await tokens.create(alice, { name: '1', validity: '6m' }))
      expect((await tokens.create(alice, { name: '2', validity: '6m' })).ok).toBe(false)
      value(await tokens.revoke(alice, first.id))
      expect((await tokens.create(alice, { name: '2', validity: '6m' })).ok).toBe(true)
    })

    it('writes an audit record naming the actor and the owner, never the token', async () => {
      const created = value(await service().create(root, { name: 'for alice', validity: '6m', owner: 'alice' }))
      const records = stores.audit.query()
      expect(records).toEqual([
        {
          ...origin,
          time: start,
          event: 'token.create',
          outcome: 'success',
          reason: 'token.create',
          user: 'root',
          owner: 'alice',
          tokenId: created.id,
        },
      ])
      expect(JSON.stringify(records)).not.toContain(created.token)
      expect(JSON.stringify(records)).not.toContain(hashToken(created.token))
    })

    it('writes no audit record when refused, or when audit is off', async () => {
      await service().create(alice, { name: 'x', validity: '6m', owner: 'bob' })
      await service({ audit: { enabled: false } }).create(alice, { name: 'x', validity: '6m' })
      expect(stores.audit.query()).toEqual([])
      expect(stores.tokens.listByOwner('alice')).toHaveLength(1)
    })
  })

  describe('list and expiry', () => {
    let first: CreatedToken, second: CreatedToken

    beforeEach(async () => {
      first = value(await service().create(alice, { name: 'first', validity: '1m' }))
      clock += 1000
      second = value(await service().create(alice, { name: 'second', validity: 'never' }))
      await service().create(bob, { name: 'bob', validity: '6m' })
    })

    it("lists the actor's tokens, oldest first, without secrets", async () => {
      const list = value(await service().list(alice))
      expect(list.map((t) => [t.id, t.name])).toEqual([[first.id, 'first'], [second.id, 'second']])
      for (const view of list) {
        expect(Object.keys(view).sort()).toEqual(['createdAt', 'createdBy', 'expired', 'expiresAt', 'expiresInDays', 'id', 'name', 'owner'])
      }
      expect(JSON.stringify(list)).not.toContain(first.token)
    })

    it("refuses to list another user's tokens to a non-admin, allows an admin", async () => {
      expect(await service().list(alice, 'bob')).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(value(await service().list(root, 'alice')).map((t) => t.id)).toEqual([first.id, second.id])
      expect(value(await service().list(alice, 'alice'))).toHaveLength(2)
    })

    it('counts days left and marks a token expired at its expiry instant', async () => {
      const tokens = service()
      const expiresAt = Date.parse(first.expiresAt!)
      clock = start
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: false, expiresInDays: 31 })
      clock = expiresAt - dayMs
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: false, expiresInDays: 1 })
      clock = expiresAt - dayMs + 1
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: false, expiresInDays: 0 })
      clock = expiresAt - 1
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: false, expiresInDays: 0 })
      clock = expiresAt
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: true, expiresInDays: 0 })
      clock = expiresAt + 10 * dayMs
      expect(value(await tokens.expiry(alice, first.id))).toMatchObject({ expired: true, expiresInDays: 0 })
    })

    it("hides another user's token as not found, shows it to an admin", async () => {
      expect(await service().expiry(bob, first.id)).toEqual({ ok: false, error: 'token_not_found' })
      expect(value(await service().expiry(root, first.id)).owner).toBe('alice')
      expect(await service().expiry(alice, 'nonexistent00')).toEqual({ ok: false, error: 'token_not_found' })
    })
  })

  describe('revoke', () => {
    it('deletes the token and audits it', async () => {
      const created = value(await service().create(alice, { name: 'x', validity: '6m' }))
      clock += 5
      expect(value(await service().revoke(alice, created.id)).id).toBe(created.id)
      expect(stores.tokens.findById(created.id)).toBeUndefined()
      expect(stores.tokens.findByHash(hashToken(created.token))).toBeUndefined()
      expect(stores.audit.query({ limit: 1 })).toEqual([
        { ...origin, time: start + 5, event: 'token.delete', outcome: 'success', reason: 'token.delete', user: 'alice', owner: 'alice', tokenId: created.id },
      ])
      expect(await service().revoke(alice, created.id)).toEqual({ ok: false, error: 'token_not_found' })
    })

    it("refuses another user's token as not found and keeps it", async () => {
      const created = value(await service().create(alice, { name: 'x', validity: '6m' }))
      expect(await service().revoke(bob, created.id)).toEqual({ ok: false, error: 'token_not_found' })
      expect(stores.tokens.findById(created.id)).toBeDefined()
      expect(stores.audit.query({ user: 'bob' })).toEqual([])
    })

    it("lets an admin revoke another user's token, naming both in the audit record", async () => {
      const created = value(await service().create(alice, { name: 'x', validity: '6m' }))
      value(await service().revoke(root, created.id))
      expect(stores.audit.query({ limit: 1 })[0]).toMatchObject({ event: 'token.delete', user: 'root', owner: 'alice', tokenId: created.id })
    })
  })

  describe('deleteExpired and purgeExpired', () => {
    let expiredA: CreatedToken, liveA: CreatedToken, neverA: CreatedToken, expiredB: CreatedToken

    beforeEach(async () => {
      expiredA = value(await service().create(alice, { name: 'old', validity: '1m' }))
      liveA = value(await service().create(alice, { name: 'live', validity: '6m' }))
      neverA = value(await service().create(alice, { name: 'never', validity: 'never' }))
      expiredB = value(await service().create(bob, { name: 'old', validity: '1m' }))
      clock = Date.parse(expiredA.expiresAt!)
    })

    it("deletes the actor's expired tokens only, from the instant they expire", async () => {
      const deleted = value(await service().deleteExpired(alice))
      expect(deleted.map((t) => t.id)).toEqual([expiredA.id])
      expect(deleted[0]!.expired).toBe(true)
      expect(stores.tokens.listByOwner('alice').map((r) => r.id)).toEqual([liveA.id, neverA.id])
      expect(stores.tokens.findById(expiredB.id)).toBeDefined()
    })

    it('deletes nothing before the expiry instant', async () => {
      clock -= 1
      expect(value(await service().deleteExpired(alice))).toEqual([])
    })

    it("refuses a non-admin for another user; lets an admin, auditing each token", async () => {
      expect(await service().deleteExpired(alice, 'bob')).toEqual({ ok: false, error: 'token_generation_denied' })
      expect(stores.tokens.findById(expiredB.id)).toBeDefined()
      expect(value(await service().deleteExpired(root, 'bob')).map((t) => t.id)).toEqual([expiredB.id])
      expect(stores.audit.query({ limit: 1 })[0]).toMatchObject({ event: 'token.delete-expired', user: 'root', owner: 'bob', tokenId: expiredB.id })
    })

    it('purges the tokens of every user that expired more than the given days ago', async () => {
      const tokens = service()
      expect(await tokens.purgeExpired(7)).toEqual([])
      clock += 7 * dayMs
      const purged = await tokens.purgeExpired(7)
      expect(purged.map((t) => t.id).sort()).toEqual([expiredA.id, expiredB.id].sort())
      expect(stores.tokens.listByOwner('alice').map((r) => r.id)).toEqual([liveA.id, neverA.id])
      const records = stores.audit.query({ limit: 2 })
      expect(records.map((r) => [r.event, r.user, r.owner])).toEqual(
        expect.arrayContaining([
          ['token.delete-expired', undefined, 'alice'],
          ['token.delete-expired', undefined, 'bob'],
        ]),
      )
    })
  })

  it('uses Date.now when no clock is given', async () => {
    const before = Date.now()
    const created = value(await new TokenService(loadConfig({}), stores, origin).create(alice, { name: 'x', validity: '1m' }))
    const createdAt = Date.parse(created.createdAt)
    expect(createdAt >= before && createdAt <= Date.now()).toBe(true)
  })
})
