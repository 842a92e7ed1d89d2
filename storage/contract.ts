/**
 * The store contract: one suite every store runs (memory, SQLite, Redis, and yours).
 * Each store's test file is a single call:
 *
 * ```ts
 * import { storeContract } from 'portcullis/storage/contract'
 * storeContract('my store', async () => ({ stores: await openMyStores(), close: () => closeThem() }))
 * ```
 *
 * It needs vitest (`describe`, `it`, `expect`) and a fresh, empty store from each call
 * of the factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashToken } from '../core/tokens/format.ts'
import type { AttemptOutcome, AuditRecord, AuditStore, LockoutPolicy, LoginThrottleStore, RateLimitStore, TokenRecord, TokenStore, UserStore } from './types.ts'

/** The stores under test. */
export interface ContractStores {
  readonly tokens: TokenStore
  readonly users: UserStore
  readonly audit: AuditStore
  readonly rateLimit: RateLimitStore
  /** Optional, as in `Stores`: without it, the login-throttle tests are reported skipped. */
  readonly loginThrottle?: LoginThrottleStore
}

/** A fresh, empty set of stores and how to release it. */
export interface StoreUnderTest {
  readonly stores: ContractStores
  close(): Promise<void>
}

/** Opens a fresh, empty set of stores (a new file, database or key prefix each time). */
export type StoreFactory = () => Promise<StoreUnderTest>

const day = 86_400_000
const t0 = Date.UTC(2026, 0, 15, 12)

const token = (id: string, owner: string, expiresAt: number | null, createdAt = t0): TokenRecord => ({
  id,
  hash: hashToken(`token of ${id}`),
  owner,
  name: `token ${id}`,
  createdAt,
  expiresAt,
  createdBy: owner,
})

const record = (time: number, user: string, outcome: AuditRecord['outcome'] = 'success'): AuditRecord => ({
  time,
  event: 'authenticate',
  outcome,
  reason: outcome === 'success' ? 'api-token' : 'api_token_invalid',
  user,
  method: 'GET',
  path: '/rest/api/2/myself',
  client: '127.0.0.1',
  tokenId: 't1',
})

/** Registers the contract suite for one store implementation. */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let subject: StoreUnderTest
    let stores: ContractStores
    beforeEach(async () => {
      subject = await factory()
      stores = subject.stores
    })
    afterEach(async () => {
      await subject.close()
    })

    describe('tokens', () => {
      it('is empty when fresh', async () => {
        expect(await stores.tokens.findById('a')).toBeUndefined()
        expect(await stores.tokens.findByHash(token('a', 'alice', null).hash)).toBeUndefined()
        expect(await stores.tokens.listByOwner('alice')).toEqual([])
        expect(await stores.tokens.delete('a')).toBe(false)
        expect(await stores.tokens.deleteExpired(t0)).toEqual([])
      })

      it('round-trips a record exactly, by id and by hash', async () => {
        const never = token('a1', 'alice', null)
        const dated = { ...token('b2', 'alice', t0 + 30 * day), name: 'laptop ✓ "quoted"' }
        expect(await stores.tokens.insert(never, 10)).toBe('inserted')
        expect(await stores.tokens.insert(dated, 10)).toBe('inserted')
        expect(await stores.tokens.findById('a1')).toEqual(never)
        expect(await stores.tokens.findByHash(dated.hash)).toEqual(dated)
      })

      it('lists one owner, oldest first', async () => {
        await stores.tokens.insert(token('c3', 'alice', null, t0 + 2), 10)
        await stores.tokens.insert(token('a1', 'alice', null, t0), 10)
        await stores.tokens.insert(token('b2', 'bob', null, t0 + 1), 10)
        expect((await stores.tokens.listByOwner('alice')).map((r) => r.id)).toEqual(['a1', 'c3'])
        expect((await stores.tokens.listByOwner('bob')).map((r) => r.id)).toEqual(['b2'])
      })

      it('refuses an owner at the limit, counting only that owner', async () => {
        await stores.tokens.insert(token('a1', 'alice', null), 2)
        await stores.tokens.insert(token('a2', 'alice', null), 2)
        expect(await stores.tokens.insert(token('a3', 'alice', null), 2)).toBe('limit-reached')
        expect(await stores.tokens.findById('a3')).toBeUndefined()
        expect(await stores.tokens.insert(token('b1', 'bob', null), 2)).toBe('inserted')
      })

      it('never exceeds the limit under parallel inserts', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores.tokens.insert(token(`p${i}`, 'alice', null), 5)))
        expect(results.filter((r) => r === 'inserted')).toHaveLength(5)
        expect(await stores.tokens.listByOwner('alice')).toHaveLength(5)
      })

      it('deletes one token, which then is gone by id and by hash', async () => {
        const a = token('a1', 'alice', null)
        await stores.tokens.insert(a, 10)
        expect(await stores.tokens.delete('a1')).toBe(true)
        expect(await stores.tokens.delete('a1')).toBe(false)
        expect(await stores.tokens.findById('a1')).toBeUndefined()
        expect(await stores.tokens.findByHash(a.hash)).toBeUndefined()
        expect(await stores.tokens.insert(token('a2', 'alice', null), 1)).toBe('inserted')
      })

      it('deletes expired tokens up to and including the instant, of one owner or everyone', async () => {
        await stores.tokens.insert(token('old', 'alice', t0 - day), 10)
        await stores.tokens.insert(token('edge', 'alice', t0), 10)
        await stores.tokens.insert(token('live', 'alice', t0 + 1), 10)
        await stores.tokens.insert(token('never', 'alice', null), 10)
        await stores.tokens.insert(token('bobs', 'bob', t0 - day), 10)
        const mine = await stores.tokens.deleteExpired(t0, 'alice')
        expect(mine.map((r) => r.id).sort()).toEqual(['edge', 'old'])
        expect((await stores.tokens.listByOwner('alice')).map((r) => r.id).sort()).toEqual(['live', 'never'])
        expect(await stores.tokens.findById('bobs')).toBeDefined()
        const all = await stores.tokens.deleteExpired(t0 + 1)
        expect(all.map((r) => r.id).sort()).toEqual(['bobs', 'live'])
        expect(await stores.tokens.findById('never')).toBeDefined()
      })
    })

    describe('users', () => {
      it('finds by username exactly and by email in any case; unknown is undefined', async () => {
        const alice = await stores.users.add({ username: 'alice', email: 'Alice@Example.com', groups: ['developers'], password: 'pw' })
        expect(alice).toMatchObject({ username: 'alice', active: true, groups: ['developers'], timeZone: 'UTC' })
        expect(await stores.users.find('alice')).toEqual(alice)
        expect(await stores.users.find('alice@example.com')).toEqual(alice)
        expect(await stores.users.find('ALICE')).toBeUndefined()
        expect(await stores.users.find('nobody')).toBeUndefined()
      })

      it('verifies passwords; unknown users never verify', async () => {
        await stores.users.add({ username: 'alice', password: 'open:sesame ✓' })
        expect(await stores.users.verifyPassword('alice', 'open:sesame ✓')).toBe(true)
        expect(await stores.users.verifyPassword('alice', 'open:sesame')).toBe(false)
        expect(await stores.users.verifyPassword('mallory', 'open:sesame ✓')).toBe(false)
      })

      it('updates a user, and replaces one added again', async () => {
        await stores.users.add({ username: 'alice', email: 'a@example.com', groups: ['g1'], password: 'pw' })
        const updated = await stores.users.update('alice', { active: false, groups: ['g2'] })
        expect(updated).toMatchObject({ username: 'alice', active: false, groups: ['g2'], email: 'a@example.com' })
        expect(await stores.users.find('alice')).toEqual(updated)
        expect(await stores.users.update('nobody', { active: false })).toBeUndefined()
        expect(await stores.users.verifyPassword('alice', 'pw')).toBe(true)
        await stores.users.add({ username: 'alice', email: 'b@example.com' })
        expect(await stores.users.find('a@example.com')).toBeUndefined()
        expect((await stores.users.find('b@example.com'))?.username).toBe('alice')
      })
    })

    describe('audit', () => {
      it('is empty when fresh', async () => {
        expect(await stores.audit.query()).toEqual([])
        expect(await stores.audit.prune({ keep: 0 })).toBe(0)
      })

      it('returns records newest first, filtered by user, outcome and time, limited', async () => {
        for (let i = 0; i < 6; i++) await stores.audit.append(record(t0 + i * 1000, i % 2 ? 'bob' : 'alice', i === 4 ? 'unauthorized' : 'success'))
        const all = await stores.audit.query()
        expect(all.map((r) => r.time)).toEqual([5, 4, 3, 2, 1, 0].map((i) => t0 + i * 1000))
        expect(all[0]).toEqual(record(t0 + 5000, 'bob'))
        expect((await stores.audit.query({ user: 'alice' })).map((r) => r.time)).toEqual([4, 2, 0].map((i) => t0 + i * 1000))
        expect((await stores.audit.query({ outcome: 'unauthorized' })).map((r) => r.time)).toEqual([t0 + 4000])
        expect((await stores.audit.query({ from: t0 + 1000, to: t0 + 3000 })).map((r) => r.time)).toEqual([t0 + 2000, t0 + 1000])
        expect((await stores.audit.query({ limit: 2 })).map((r) => r.time)).toEqual([t0 + 5000, t0 + 4000])
      })

      it('prunes by age, by count, and by both', async () => {
        for (let i = 0; i < 10; i++) await stores.audit.append(record(t0 + i * day, 'alice'))
        expect(await stores.audit.prune({ before: t0 + 3 * day })).toBe(3)
        expect((await stores.audit.query()).at(-1)?.time).toBe(t0 + 3 * day)
        expect(await stores.audit.prune({ keep: 5 })).toBe(2)
        expect((await stores.audit.query()).map((r) => r.time)).toEqual([9, 8, 7, 6, 5].map((i) => t0 + i * day))
        expect(await stores.audit.prune({ before: t0 + 7 * day, keep: 1 })).toBe(4)
        expect((await stores.audit.query()).map((r) => r.time)).toEqual([t0 + 9 * day])
      })
    })

    describe('rate limit', () => {
      const window = 60_000

      it('allows up to the limit in a window, counting down remaining', async () => {
        const results = []
        for (let i = 0; i < 4; i++) results.push(await stores.rateLimit.consume('k', 3, window, t0 + i))
        expect(results.map((r) => [r.allowed, r.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]])
        expect(results[3]!.resetMs).toBe(window - 3)
      })

      it('slides: a slot frees exactly when the oldest request leaves the window', async () => {
        await stores.rateLimit.consume('k', 2, window, t0)
        await stores.rateLimit.consume('k', 2, window, t0 + 30_000)
        expect((await stores.rateLimit.consume('k', 2, window, t0 + window - 1)).allowed).toBe(false)
        expect((await stores.rateLimit.consume('k', 2, window, t0 + window)).allowed).toBe(true)
        // Across the fixed-window boundary a fixed window would reset here; a sliding one must not.
        expect((await stores.rateLimit.consume('k', 2, window, t0 + window + 1)).allowed).toBe(false)
      })

      it('keeps keys apart', async () => {
        expect((await stores.rateLimit.consume('a', 1, window, t0)).allowed).toBe(true)
        expect((await stores.rateLimit.consume('b', 1, window, t0)).allowed).toBe(true)
        expect((await stores.rateLimit.consume('a', 1, window, t0 + 1)).allowed).toBe(false)
      })

      it('never allows more than the limit under parallel consumes', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, () => stores.rateLimit.consume('k', 10, window, t0)))
        expect(results.filter((r) => r.allowed)).toHaveLength(10)
      })
    })

    describe('login throttle', () => {
      const policy: LockoutPolicy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000, leaseMs: 5_000 }
      const keys = ['user:alice', 'client:192.0.2.1']
      let throttle: LoginThrottleStore
      let attempts = 0
      beforeEach((context) => {
        if (!stores.loginThrottle) return context.skip()
        throttle = stores.loginThrottle
      })
      /** One attempt through the throttle: undefined when `begin` refused it, else whether settling it locked a key. */
      const attempt = async (outcome: AttemptOutcome, at: number, on: readonly string[] = keys): Promise<boolean | undefined> => {
        const id = `attempt-${++attempts}`
        if ((await throttle.begin(on, id, policy, at)) > 0) return undefined
        return throttle.settle(on, id, outcome, policy, at)
      }

      it('locks every key of an attempt at the maxFailures-th failure in the window, for lockMs', async () => {
        expect(await attempt('failure', t0)).toBe(false)
        expect(await attempt('failure', t0 + 1)).toBe(false)
        expect(await attempt('failure', t0 + 2)).toBe(true)
        expect(await throttle.begin(keys, 'late', policy, t0 + 2)).toBe(policy.lockMs)
        expect(await throttle.begin(['user:alice'], 'late', policy, t0 + 2 + policy.lockMs - 1)).toBe(1)
        expect(await throttle.begin(['client:192.0.2.1'], 'late', policy, t0 + 2 + policy.lockMs - 1)).toBe(1)
        expect(await throttle.begin(keys, 'after', policy, t0 + 2 + policy.lockMs)).toBe(0)
      })

      it('slides: a failure stops counting once it is windowMs old', async () => {
        await attempt('failure', t0)
        await attempt('failure', t0 + 30_000)
        expect(await attempt('failure', t0 + policy.windowMs)).toBe(false)
        expect(await attempt('failure', t0 + policy.windowMs + 1)).toBe(true)
      })

      it('keeps keys apart, and refuses an attempt for the longest lock among its keys', async () => {
        for (let i = 0; i < 3; i++) await attempt('failure', t0 + i, ['client:192.0.2.1'])
        expect(await attempt('failure', t0 + 100, ['user:bob'])).toBe(false)
        expect(await throttle.begin(['user:bob', 'client:192.0.2.1'], 'x', policy, t0 + 100)).toBe(policy.lockMs + 2 - 100)
        expect(await attempt('failure', t0 + 200, ['user:bob'])).toBe(false)
        expect(await attempt('failure', t0 + 201, ['user:bob'])).toBe(true)
        expect(await throttle.begin(['user:bob', 'client:192.0.2.1'], 'y', policy, t0 + 201)).toBe(policy.lockMs)
      })

      it("forgets the username's failures on a success, not the client's, and never a lock", async () => {
        await attempt('failure', t0)
        await attempt('failure', t0 + 1)
        expect(await attempt('success', t0 + 2)).toBe(false)
        // The username starts again; the client address still has two failures.
        expect(await attempt('failure', t0 + 3, ['user:alice'])).toBe(false)
        expect(await attempt('failure', t0 + 4, ['client:192.0.2.1'])).toBe(true)
        expect(await throttle.begin(keys, 'locked', policy, t0 + 5)).toBe(policy.lockMs - 1)
      })

      it('does not count a void attempt', async () => {
        for (let i = 0; i < 5; i++) expect(await attempt('void', t0 + i)).toBe(false)
        expect(await attempt('failure', t0 + 5)).toBe(false)
      })

      it('starts counting again after a lock, and locks again at maxFailures', async () => {
        for (let i = 0; i < 3; i++) await attempt('failure', t0 + i)
        const after = t0 + 2 + policy.lockMs
        expect(await attempt('failure', after)).toBe(false)
        expect(await attempt('failure', after + 1)).toBe(false)
        expect(await attempt('failure', after + 2)).toBe(true)
      })

      it('holds a place for an attempt in progress: no more than maxFailures at once, until each ends', async () => {
        const begun = await Promise.all(Array.from({ length: 8 }, (_, i) => throttle.begin(keys, `parallel-${i}`, policy, t0)))
        expect(begun.filter((wait) => wait === 0)).toHaveLength(3)
        // The first place frees when the first lease ends, if not sooner.
        expect(begun.filter((wait) => wait > 0)).toEqual(Array(5).fill(policy.leaseMs))
        const admitted = begun.flatMap((wait, i) => (wait === 0 ? [`parallel-${i}`] : []))
        await throttle.settle(keys, admitted[0]!, 'success', policy, t0 + 1)
        await throttle.settle(keys, admitted[1]!, 'void', policy, t0 + 1)
        expect(await throttle.begin(keys, 'next', policy, t0 + 2)).toBe(0)
        expect(await throttle.begin(keys, 'last', policy, t0 + 2)).toBe(0)
        expect(await throttle.begin(keys, 'one-too-many', policy, t0 + 2)).toBe(policy.leaseMs - 2)
      })

      it("keeps others' attempts in progress counted when one succeeds", async () => {
        expect(await throttle.begin(keys, 'guess-1', policy, t0)).toBe(0)
        expect(await throttle.begin(keys, 'guess-2', policy, t0)).toBe(0)
        expect(await attempt('success', t0 + 1)).toBe(false)
        expect(await throttle.begin(keys, 'guess-3', policy, t0 + 2)).toBe(0)
        expect(await throttle.begin(keys, 'guess-4', policy, t0 + 2)).toBe(policy.leaseMs - 2)
      })

      it('frees the place of an attempt never settled once its lease ends', async () => {
        for (const id of ['lost-1', 'lost-2', 'lost-3']) expect(await throttle.begin(keys, id, policy, t0)).toBe(0)
        expect(await throttle.begin(keys, 'waiting', policy, t0 + policy.leaseMs - 1)).toBe(1)
        expect(await throttle.begin(keys, 'freed', policy, t0 + policy.leaseMs)).toBe(0)
      })

      it('counts a failure whose lease ended, and no failure while a key is locked', async () => {
        expect(await throttle.begin(keys, 'slow', policy, t0)).toBe(0)
        expect(await attempt('failure', t0 + 1)).toBe(false)
        expect(await attempt('failure', t0 + 2)).toBe(false)
        expect(await throttle.settle(keys, 'slow', 'failure', policy, t0 + policy.leaseMs + 10)).toBe(true)

        // An attempt outlives its lease; meanwhile three failures lock the username, for less than a window.
        const brief: LockoutPolicy = { ...policy, lockMs: 10_000 }
        const later = t0 + policy.lockMs + 1_000
        const on = ['user:carol']
        const fail = async (id: string, at: number) => (await throttle.begin(on, id, brief, at)) === 0 && throttle.settle(on, id, 'failure', brief, at)
        expect(await throttle.begin(on, 'stuck', brief, later)).toBe(0)
        for (let i = 0; i < 3; i++) await fail(`carol-${i}`, later + brief.leaseMs + i)
        const locked = later + brief.leaseMs + 2
        expect(await throttle.begin(on, 'refused', brief, locked)).toBe(brief.lockMs)
        // Ending as a failure during the lock changes nothing: after it, the count starts from nothing.
        expect(await throttle.settle(on, 'stuck', 'failure', brief, locked + 1)).toBe(false)
        expect(await fail('carol-3', locked + brief.lockMs)).toBe(false)
        expect(await fail('carol-4', locked + brief.lockMs + 1)).toBe(false)
        expect(await fail('carol-5', locked + brief.lockMs + 2)).toBe(true)
      })

      it('frees a place when the oldest failure leaves the window, whatever order failures arrived in', async () => {
        // Settled with their requests' start times, as the engine does: the later request ends first.
        const long: LockoutPolicy = { ...policy, leaseMs: 120_000 }
        expect(await throttle.begin(keys, 'early', long, t0)).toBe(0)
        expect(await throttle.begin(keys, 'late', long, t0 + 1_000)).toBe(0)
        expect(await throttle.settle(keys, 'late', 'failure', long, t0 + 1_000)).toBe(false)
        expect(await throttle.settle(keys, 'early', 'failure', long, t0)).toBe(false)
        expect(await throttle.begin(keys, 'third', long, t0 + 2_000)).toBe(0)
        expect(await throttle.begin(keys, 'fourth', long, t0 + 2_000)).toBe(long.windowMs - 2_000)
      })

      it('locks once when parallel attempts fail', async () => {
        const ids = ['a', 'b', 'c']
        for (const id of ids) expect(await throttle.begin(keys, id, policy, t0)).toBe(0)
        const locked = await Promise.all(ids.map((id) => throttle.settle(keys, id, 'failure', policy, t0 + 1)))
        expect(locked.filter(Boolean)).toHaveLength(1)
        expect(await throttle.begin(keys, 'd', policy, t0 + 2)).toBe(policy.lockMs - 1)
      })
    })
  })
}
