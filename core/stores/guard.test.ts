import { beforeEach, describe, expect, it } from 'vitest'
import type { HostTokenVerifier, LoginThrottleStore, RateLimitStore, Stores, TokenRecord, TokenStore, User, UserDirectory } from '../../storage/types.ts'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import { createPortcullis } from '../portcullis.ts'
import type { ConfigInput } from '../config/schema.ts'
import { tokenFromBody } from '../tokens/format.ts'

const t0 = Date.UTC(2026, 0, 15)
const request = (token: string, method = 'GET') => ({
  method,
  target: '/rest/api/2/myself',
  headers: new Headers({ authorization: `Bearer ${token}` }),
  peer: '127.0.0.1',
})

/** The memory stores seen through promises, as a network store would answer; counts reads. */
function asAsync(memory: MemoryStores) {
  const reads = { findByHash: 0, find: 0 }
  const tokens: TokenStore = {
    insert: async (r, max) => memory.tokens.insert(r, max),
    findByHash: async (h) => (reads.findByHash++, memory.tokens.findByHash(h)),
    findById: async (id) => memory.tokens.findById(id),
    listByOwner: async (o) => memory.tokens.listByOwner(o),
    delete: async (id) => memory.tokens.delete(id),
    deleteExpired: async (b, o) => memory.tokens.deleteExpired(b, o),
  }
  const users: UserDirectory = {
    find: async (n) => (reads.find++, memory.users.find(n)),
    verifyPassword: async (n, p) => memory.users.verifyPassword(n, p),
  }
  return { stores: { tokens, users, audit: memory.audit, rateLimit: memory.rateLimit } satisfies Stores, reads }
}

describe('guarded stores', () => {
  let memory: MemoryStores
  let alice: User
  let now: number
  beforeEach(async () => {
    memory = memoryStores({ passwordIterations: 1000 })
    alice = await memory.users.add({ username: 'alice', groups: ['developers'] })
    now = t0
  })

  const setup = async (stores: Stores, config: ConfigInput = {}) => {
    const portcullis = createPortcullis({ config, stores, now: () => now })
    const created = await portcullis.tokens().create(alice, { name: 'ci', validity: 'never' })
    if (!created.ok) throw new Error(created.error)
    return { portcullis, token: created.value.token, id: created.value.id }
  }

  it('caches token and user reads of an asynchronous store', async () => {
    const { stores, reads } = asAsync(memory)
    const { portcullis, token } = await setup(stores)
    for (let i = 0; i < 5; i++) expect((await portcullis.handle(request(token))).kind).toBe('allow')
    expect(reads).toEqual({ findByHash: 1, find: 1 })
  })

  it('expires cached entries after cacheSeconds', async () => {
    const { stores, reads } = asAsync(memory)
    const { portcullis, token } = await setup(stores, { stores: { cacheSeconds: 1 } })
    await portcullis.handle(request(token))
    await new Promise((r) => setTimeout(r, 1100))
    await portcullis.handle(request(token))
    expect(reads.findByHash).toBe(2)
  })

  it('caches misses, so made-up tokens do not reach the store twice', async () => {
    const { stores, reads } = asAsync(memory)
    const { portcullis } = await setup(stores)
    const forged = tokenFromBody('x'.repeat(33))
    for (let i = 0; i < 3; i++) expect((await portcullis.handle(request(forged))).kind).toBe('deny')
    expect(reads.findByHash).toBe(1)
  })

  it('drops a revoked token at once on this instance', async () => {
    const { stores } = asAsync(memory)
    const { portcullis, token, id } = await setup(stores)
    expect((await portcullis.handle(request(token))).kind).toBe('allow')
    expect((await portcullis.tokens().revoke(alice, id)).ok).toBe(true)
    const after = await portcullis.handle(request(token))
    expect(after.kind === 'deny' && after.error).toBe('api_token_invalid')
  })

  it('does not put a token back in the cache when its lookup raced the revocation', async () => {
    const { stores } = asAsync(memory)
    let release: () => void = () => {}
    let slow = false
    const tokens: TokenStore = {
      ...stores.tokens,
      findByHash: async (h) => {
        const record = memory.tokens.findByHash(h)
        if (slow) await new Promise<void>((r) => (release = r))
        return record
      },
    }
    const { portcullis, token, id } = await setup({ ...stores, tokens })
    slow = true
    const inFlight = portcullis.handle(request(token))
    await new Promise((r) => setTimeout(r, 10))
    expect((await portcullis.tokens().revoke(alice, id)).ok).toBe(true)
    release()
    expect((await inFlight).kind).toBe('allow')
    slow = false
    const after = await portcullis.handle(request(token))
    expect(after.kind === 'deny' && after.error).toBe('api_token_invalid')
  })

  it('a token revoked behind its back (another instance) works here until the cache entry expires', async () => {
    const { stores } = asAsync(memory)
    const { portcullis, token, id } = await setup(stores, { stores: { cacheSeconds: 1 } })
    expect((await portcullis.handle(request(token))).kind).toBe('allow')
    memory.tokens.delete(id)
    expect((await portcullis.handle(request(token))).kind).toBe('allow')
    await new Promise((r) => setTimeout(r, 1100))
    expect((await portcullis.handle(request(token))).kind).toBe('deny')
  })

  it('reads synchronous stores directly, so their changes show at once', async () => {
    const { portcullis, token } = await setup(memory)
    expect((await portcullis.handle(request(token))).kind).toBe('allow')
    memory.users.update('alice', { active: false })
    const after = await portcullis.handle(request(token))
    expect(after.kind === 'deny' && after.error).toBe('token_use_denied')
  })

  it('caches the reads of a synchronous store that asks (cacheReads), answering hits synchronously, and drops a revoked token at once', async () => {
    const reads = { findByHash: 0, find: 0 }
    const tokens: TokenStore = {
      insert: (r, max) => memory.tokens.insert(r, max),
      findByHash: (h) => (reads.findByHash++, memory.tokens.findByHash(h)),
      findById: (id) => memory.tokens.findById(id),
      listByOwner: (o) => memory.tokens.listByOwner(o),
      delete: (id) => memory.tokens.delete(id),
      deleteExpired: (b, o) => memory.tokens.deleteExpired(b, o),
    }
    const users: UserDirectory = { find: (n) => (reads.find++, memory.users.find(n)), verifyPassword: (n, p) => memory.users.verifyPassword(n, p) }
    const { portcullis, token, id } = await setup({ tokens, users, audit: memory.audit, cacheReads: true })
    for (let i = 0; i < 5; i++) expect(portcullis.handle(request(token))).toMatchObject({ kind: 'allow' })
    expect(reads).toEqual({ findByHash: 1, find: 1 })
    expect((await portcullis.tokens().revoke(alice, id)).ok).toBe(true)
    expect(portcullis.handle(request(token))).toMatchObject({ kind: 'deny', error: 'api_token_invalid' })
  })

  it('answers 503 within timeoutMs when a store hangs, and recovers when it answers again', async () => {
    const { stores } = asAsync(memory)
    let hang = false
    const tokens: TokenStore = { ...stores.tokens, findByHash: (h) => (hang ? new Promise<TokenRecord | undefined>(() => {}) : stores.tokens.findByHash(h)) }
    const { portcullis, token } = await setup({ ...stores, tokens }, { stores: { timeoutMs: 50, cacheSeconds: 0 } })
    hang = true
    const started = performance.now()
    const outcome = await portcullis.handle(request(token))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(outcome.kind === 'deny' && [outcome.status, outcome.body]).toEqual([503, '{"error":{"status":"ERROR","message":"Authentication service unavailable"}}'])
    hang = false
    expect((await portcullis.handle(request(token))).kind).toBe('allow')
  })

  it("bounds both of the host's token verifiers by timeoutMs", async () => {
    const hanging: HostTokenVerifier = () => new Promise<string | undefined>(() => {})
    const answering: HostTokenVerifier = () => undefined
    for (const [hostTokens, hostOAuthTokens] of [[hanging, answering], [answering, hanging]] as const) {
      const portcullis = createPortcullis({
        config: { hostTokens: { enabled: true, oauth: true }, stores: { timeoutMs: 50 } },
        stores: { ...memory, hostTokens, hostOAuthTokens },
      })
      const started = performance.now()
      const outcome = await portcullis.handle(request('host-token-value'))
      expect(performance.now() - started).toBeLessThan(1000)
      expect(outcome.kind === 'deny' && [outcome.status, outcome.error]).toEqual([503, 'store_unavailable'])
    }
  })

  it('bounds each call of the login throttle by timeoutMs', async () => {
    const hang = () => new Promise<never>(() => {})
    const throttle = memory.loginThrottle
    const plans: LoginThrottleStore[] = [
      { begin: hang, settle: throttle.settle.bind(throttle) },
      { begin: throttle.begin.bind(throttle), settle: hang },
    ]
    await memory.users.add({ username: 'carol', password: 'carol-pw' })
    for (const loginThrottle of plans) {
      const portcullis = createPortcullis({ config: { stores: { timeoutMs: 50 } }, stores: { ...memory, loginThrottle } })
      const started = performance.now()
      const outcome = await portcullis.handle({ ...request(''), headers: new Headers({ authorization: `Basic ${btoa('carol:wrong')}` }) })
      expect(performance.now() - started).toBeLessThan(1000)
      expect(outcome.kind === 'deny' && [outcome.status, outcome.error]).toEqual([503, 'store_unavailable'])
    }
  })

  it('gives each hanging call its own deadline, counted from its start, and answers calls that return in time', async () => {
    const { stores } = asAsync(memory)
    // The first lookup hangs, the second answers after 30 ms, the third hangs too.
    const plan = [() => new Promise<TokenRecord | undefined>(() => {}), (h: string) => new Promise<TokenRecord | undefined>((done) => setTimeout(() => done(stores.tokens.findByHash(h)), 30)), () => new Promise<TokenRecord | undefined>(() => {})]
    let call = -1
    let planned = false
    const tokens: TokenStore = { ...stores.tokens, findByHash: (h) => (planned ? plan[++call]!(h) : stores.tokens.findByHash(h)) }
    const { portcullis, token } = await setup({ ...stores, tokens }, { stores: { timeoutMs: 100, cacheSeconds: 0 } })
    planned = true
    const started = performance.now()
    const timed = (outcome: { kind: string } | PromiseLike<{ kind: string }>) => Promise.resolve(outcome).then((outcome) => ({ kind: outcome.kind, ms: performance.now() - started }))
    const first = timed(portcullis.handle(request(token)))
    await new Promise((done) => setTimeout(done, 60))
    const [second, third] = [timed(portcullis.handle(request(token))), timed(portcullis.handle(request(token)))]
    const results = await Promise.all([first, second, third])
    expect(results.map((r) => r.kind)).toEqual(['deny', 'allow', 'deny'])
    expect(results[0]!.ms).toBeGreaterThanOrEqual(95)
    // The third started 60 ms after the first: its deadline is its own, not the first's.
    expect(results[2]!.ms).toBeGreaterThanOrEqual(155)
    expect(results[1]!.ms).toBeLessThan(results[2]!.ms)
  })

  describe('when only the rate-limit store fails', () => {
    const failing: RateLimitStore = { consume: () => Promise.reject(new Error('connection refused')) }

    it('refuses with 503 by default', async () => {
      const { portcullis, token } = await setup({ ...memory, rateLimit: failing }, { rateLimit: { enabled: true } })
      const outcome = await portcullis.handle(request(token))
      expect(outcome.kind === 'deny' && outcome.error).toBe('store_unavailable')
    })

    it('allows, marked degraded in the decision and the audit record, when told to', async () => {
      const { portcullis, token } = await setup({ ...memory, rateLimit: failing }, { rateLimit: { enabled: true, onStoreFailure: 'allow' } })
      const outcome = await portcullis.handle(request(token))
      expect(outcome.kind).toBe('allow')
      expect(outcome.kind === 'allow' && [outcome.degraded, outcome.audit.degraded, outcome.headers]).toEqual([true, true, {}])
      expect(memory.audit.query({ limit: 1 })[0]?.degraded).toBe(true)
    })
  })
})
