import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'
import type { AuditStore } from '../storage/types.ts'
import { ConfigError, loadConfig } from './config/load.ts'
import { createPortcullis } from './portcullis.ts'
import type { AuthRequest } from './request.ts'

const start = Date.UTC(2025, 0, 15, 12, 0, 0)
const unavailable = '{"error":{"status":"ERROR","message":"Authentication service unavailable"}}'

const request = (target: string, authorization?: string): AuthRequest => ({
  method: 'GET',
  target,
  headers: new Headers(authorization === undefined ? {} : { authorization }),
  peer: '198.51.100.4',
})
const basic = (username: string, secret: string) => `Basic ${btoa(`${username}:${secret}`)}`

describe('createPortcullis', () => {
  let stores: MemoryStores

  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', password: 'pw', groups: ['developers'] })
    await stores.users.add({ username: 'root', password: 'root-pw', groups: ['admins'] })
  })

  it('validates raw config input once, and throws a ConfigError listing the problems', () => {
    expect(createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores }).config.apiTokens.maxValidity).toBe('1y')
    expect(() => createPortcullis({ config: { apiTokens: { maxPerUser: -1 } } as never, stores })).toThrow(ConfigError)
  })

  it("refuses a host-token toggle without the host's verifier, naming both", () => {
    const verifier = () => undefined
    for (const [hostTokens, missing] of [[{ enabled: true }, 'hostTokens.enabled is on but stores.hostTokens'], [{ oauth: true }, 'hostTokens.oauth is on but stores.hostOAuthTokens']] as const) {
      expect(() => createPortcullis({ config: { hostTokens }, stores })).toThrow(missing)
    }
    expect(() => createPortcullis({ config: { hostTokens: { enabled: true, oauth: true } }, stores: { ...stores, hostTokens: verifier, hostOAuthTokens: verifier } })).not.toThrow()
  })

  it('uses a config already loaded as it is', () => {
    const config = loadConfig({ realm: 'x' })
    expect(createPortcullis({ config, stores }).config).toBe(config)
  })

  describe('handle', () => {
    it('rejects, never throws, when something outside the stores fails; a throwing logger changes nothing', async () => {
      const portcullis = createPortcullis({ config: {}, stores, now: () => start, log: () => { throw new Error('logger down') } })
      const broken = { ...request('/rest/api/2/myself'), headers: { get: () => { throw new Error('reader down') } } }
      let answer: unknown
      expect(() => (answer = portcullis.handle(broken))).not.toThrow()
      await expect(answer).rejects.toThrow('reader down')
      expect(await portcullis.handle(request('/rest/api/2/myself', basic('alice', 'pw')))).toMatchObject({ kind: 'allow' })
      expect(stores.audit.query()[0]).toMatchObject({ outcome: 'success', user: 'alice' })
    })

    it('answers without a promise when every store it needs is synchronous, with one when a store is not', async () => {
      const rateLimit = { enabled: true, limit: 100 }
      const sync = createPortcullis({ config: { rateLimit }, stores, now: () => start })
      const created = await sync.tokens().create(stores.users.find('alice')!, { name: 't', validity: 'never' })
      if (!created.ok) throw new Error(created.error)
      const bearer = `Bearer ${created.value.token}`
      const answer = sync.handle(request('/rest/api/2/myself', bearer))
      expect(answer).not.toBeInstanceOf(Promise)
      expect(answer).toMatchObject({ kind: 'allow', user: { username: 'alice' }, headers: { ratelimit: expect.any(String) } })
      expect(sync.handle(request('/rest/api/2/myself'))).toMatchObject({ kind: 'deny', status: 401 })
      expect(sync.handle(request('/elsewhere'))).toMatchObject({ kind: 'pass' })

      const slowLimits = { consume: (...args: Parameters<typeof stores.rateLimit.consume>) => Promise.resolve(stores.rateLimit.consume(...args)) }
      const async = createPortcullis({ config: { rateLimit }, stores: { ...stores, rateLimit: slowLimits }, now: () => start })
      const pending = async.handle(request('/rest/api/2/myself', bearer))
      expect(pending).toBeInstanceOf(Promise)
      expect(await pending).toMatchObject({ kind: 'allow', user: { username: 'alice' } })
    })

    it('appends the audit record of an allow and of a deny', async () => {
      const portcullis = createPortcullis({ config: {}, stores, now: () => start })
      const allow = await portcullis.handle(request('/rest/api/2/myself?os_password=pw', basic('alice', 'pw')))
      const deny = await portcullis.handle(request('/rest/api/2/myself'))
      expect([allow.kind, deny.kind]).toEqual(['allow', 'deny'])
      expect(stores.audit.query()).toEqual([deny.audit, allow.audit])
      expect(stores.audit.query({ outcome: 'success' })[0]).toEqual({
        time: start,
        event: 'authenticate',
        outcome: 'success',
        reason: 'password',
        user: 'alice',
        via: 'password',
        method: 'GET',
        path: '/rest/api/2/myself',
        client: '198.51.100.4',
      })
    })

    it('does not audit passed requests', async () => {
      const portcullis = createPortcullis({ config: {}, stores })
      expect((await portcullis.handle(request('/status'))).kind).toBe('pass')
      expect((await createPortcullis({ config: { enabled: false }, stores }).handle(request('/rest/x'))).kind).toBe('pass')
      expect(stores.audit.query()).toEqual([])
    })

    it('writes nothing when audit is off', async () => {
      const portcullis = createPortcullis({ config: { audit: { enabled: false } }, stores })
      await portcullis.handle(request('/rest/x', basic('alice', 'pw')))
      await portcullis.handle(request('/rest/x'))
      expect(stores.audit.query()).toEqual([])
    })

    it('works with no audit store at all', async () => {
      const { audit: _audit, ...withoutAudit } = stores
      const portcullis = createPortcullis({ config: {}, stores: withoutAudit })
      expect((await portcullis.handle(request('/rest/x', basic('alice', 'pw')))).kind).toBe('allow')
    })

    it('refuses with 503 when the audit record cannot be written (fail closed)', async () => {
      const failing: AuditStore = {
        append: () => Promise.reject(new Error('disk full')),
        query: () => [],
        prune: () => 0,
      }
      const portcullis = createPortcullis({ config: {}, stores: { ...stores, audit: failing }, now: () => start })
      const outcome = await portcullis.handle(request('/rest/api/2/myself', basic('alice', 'pw')))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['store_unavailable', 503, unavailable])
      expect(outcome.audit).toMatchObject({ outcome: 'unavailable', reason: 'store_unavailable', path: '/rest/api/2/myself' })
    })

    it('reads the clock once per request', async () => {
      let ticks = 0
      const portcullis = createPortcullis({ config: {}, stores, now: () => start + ticks++ })
      const outcome = await portcullis.handle(request('/rest/x', basic('alice', 'pw')))
      expect(outcome.audit.time).toBe(start)
    })
  })

  describe('tokens()', () => {
    it('serves token management with a local origin by default', async () => {
      const portcullis = createPortcullis({ config: {}, stores, now: () => start })
      const alice = stores.users.find('alice')!
      const created = await portcullis.tokens().create(alice, { name: 'script', validity: '1m' })
      expect(created.ok).toBe(true)
      expect(stores.audit.query()[0]).toMatchObject({ event: 'token.create', method: '-', path: '-', client: 'local', user: 'alice', owner: 'alice' })
      const bearer = await portcullis.handle(request('/rest/x', `Bearer ${created.ok && created.value.token}`))
      expect(bearer.kind).toBe('allow')
    })

    it('records the origin it is given', async () => {
      const portcullis = createPortcullis({ config: {}, stores, now: () => start })
      const root = stores.users.find('root')!
      await portcullis.tokens({ method: 'JOB', path: 'cleanup', client: 'cron' }).create(root, { name: 'x', validity: '6m', owner: 'alice' })
      expect(stores.audit.query()[0]).toMatchObject({ method: 'JOB', path: 'cleanup', client: 'cron', user: 'root', owner: 'alice' })
    })
  })
})
