import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { TokenStore } from '../../storage/types.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { Outcome } from '../decision.ts'
import { createPortcullis, type Portcullis } from '../portcullis.ts'
import type { AuthRequest } from '../request.ts'
import { loadConfig } from '../config/load.ts'
import { tokenRoute } from './routes.ts'

const start = Date.UTC(2025, 0, 15, 12, 0, 0)
const dayMs = 86_400_000
const errorBody = (message: string) => JSON.stringify({ error: { status: 'ERROR', message } })
const basic = (username: string, secret: string) => `Basic ${btoa(`${username}:${secret}`)}`
const jsonHeaders = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' }

const denied = '{"error":{"status":"ERROR","message":"User does not have permission to execute this operation"}}'
const notFound = '{"error":{"status":"ERROR","message":"Token not found"}}'
const limitReached = '{"error":{"status":"ERROR","message":"Token limit reached: delete a token before creating another"}}'
const notAllowed = '{"error":{"status":"ERROR","message":"Method not allowed"}}'
const unavailable = '{"error":{"status":"ERROR","message":"Authentication service unavailable"}}'

interface Call {
  readonly as?: string
  readonly body?: unknown
  /** A body reader to hand over as is (`null`: none at all). */
  readonly reader?: (() => Promise<string>) | null
}

describe('token API routes', () => {
  let stores: MemoryStores
  let clock: number
  let portcullis: Portcullis

  const setup = (config: ConfigInput = {}, tokens?: TokenStore) => {
    portcullis = createPortcullis({ config, stores: tokens ? { ...stores, tokens } : stores, now: () => clock })
  }

  async function call(method: string, target: string, options: Call = {}): Promise<Outcome> {
    const headers = new Headers()
    if (options.as !== undefined) headers.set('authorization', options.as.startsWith('pcl_') ? `Bearer ${options.as}` : basic(options.as, `${options.as}-pw`))
    const request: AuthRequest = {
      method,
      target,
      headers,
      peer: '192.0.2.7',
      ...(options.reader !== null && {
        body: options.reader ?? (() => Promise.resolve(typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? null))),
      }),
    }
    return portcullis.handle(request)
  }

  /** The status and parsed body of a response, or the error of a deny. */
  async function send(method: string, target: string, options: Call = {}) {
    const outcome = await call(method, target, options)
    if (outcome.kind !== 'respond' && outcome.kind !== 'deny') throw new Error(`expected a response, got ${outcome.kind}`)
    return { outcome, status: outcome.status, json: JSON.parse(outcome.body) as any }
  }

  async function create(as: string, body: unknown): Promise<{ id: string; token: string; owner: string; expiresAt: string | null }> {
    const { status, json } = await send('POST', '/rest/auth/1/token', { as, body })
    expect(status).toBe(201)
    return json
  }

  beforeEach(async () => {
    clock = start
    stores = memoryStores({ passwordIterations: 1000 })
    for (const [username, groups] of [['alice', ['developers']], ['bob', ['developers']], ['root', ['admins']]] as const) {
      await stores.users.add({ username, password: `${username}-pw`, email: `${username}@example.com`, groups: [...groups] })
    }
    setup()
  })

  describe('POST /rest/auth/1/token', () => {
    it('creates a token for the caller: 201, no-store, shown once', async () => {
      const outcome = await call('POST', '/rest/auth/1/token', { as: 'alice', body: { name: 'laptop', validity: '6m' } })
      expect(outcome.kind).toBe('respond')
      if (outcome.kind !== 'respond') return
      expect(outcome.status).toBe(201)
      expect(outcome.headers).toEqual(jsonHeaders)
      const json = JSON.parse(outcome.body)
      expect(json).toEqual({
        id: expect.any(String),
        name: 'laptop',
        owner: 'alice',
        createdBy: 'alice',
        createdAt: '2025-01-15T12:00:00.000Z',
        expiresAt: '2025-07-15T12:00:00.000Z',
        expired: false,
        expiresInDays: 181,
        token: expect.stringMatching(/^pcl_[0-9A-Za-z]{39}$/),
      })
      const { token } = json
      const listed = await send('GET', '/rest/auth/1/token', { as: 'alice' })
      expect(JSON.stringify(listed.json)).not.toContain(token)
    })

    it('creates a token that then authenticates, with Bearer and with Basic', async () => {
      const { token } = await create('alice', { name: 'ci', validity: '1m' })
      const viaBearer = await call('GET', '/rest/api/2/myself', { as: token })
      expect(viaBearer.kind === 'allow' && [viaBearer.user.username, viaBearer.via]).toEqual(['alice', 'api-token'])
      const viaBasic = await portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers({ authorization: basic('alice', token) }), peer: '::1' })
      expect(viaBasic.kind).toBe('allow')
      clock = start + 31 * dayMs
      const expired = await call('GET', '/rest/api/2/myself', { as: token })
      expect(expired.kind === 'deny' && [expired.status, expired.body]).toEqual([401, '{"error":{"status":"ERROR","message":"Provided API key is invalid"}}'])
    })

    it('trims the name', async () => {
      expect((await create('alice', { name: '  laptop  ', validity: '6m' })) as unknown).toMatchObject({ name: 'laptop' })
    })

    it('lets an admin create for another user', async () => {
      const created = await create('root', { name: 'for alice', validity: '6m', username: 'alice' })
      expect(created).toMatchObject({ owner: 'alice', createdBy: 'root' })
    })

    it('refuses a non-admin creating for another user with the documented 403', async () => {
      const { outcome, status } = await send('POST', '/rest/auth/1/token', { as: 'alice', body: { name: 'x', validity: '6m', username: 'bob' } })
      expect(status).toBe(403)
      expect(outcome.kind === 'deny' && outcome.error).toBe('token_generation_denied')
      expect(outcome.body).toBe(denied)
      expect(outcome.headers['www-authenticate']).toBeUndefined()
      expect(stores.tokens.listByOwner('bob')).toEqual([])
    })

    it('with allowUserCreation off, refuses users and serves admins', async () => {
      setup({ apiTokens: { allowUserCreation: false } })
      const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'alice', body: { name: 'x', validity: '6m' } })
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['token_generation_denied', 403, denied])
      expect((await create('root', { name: 'x', validity: '6m', username: 'alice' })).owner).toBe('alice')
    })

    it('grants creation by group', async () => {
      setup({ apiTokens: { permissions: { createForSelf: ['developers'] } } })
      await stores.users.add({ username: 'carol', password: 'carol-pw', groups: ['sales'] })
      expect((await create('alice', { name: 'x', validity: '6m' })).owner).toBe('alice')
      expect((await send('POST', '/rest/auth/1/token', { as: 'carol', body: { name: 'x', validity: '6m' } })).status).toBe(403)
    })

    it('refuses a validity above the maximum with 400, naming the field', async () => {
      setup({ apiTokens: { maxValidity: '1y' } })
      const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'alice', body: { name: 'x', validity: '2y' } })
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['token_request_invalid', 400])
      expect(outcome.body).toBe(
        '{"error":{"status":"ERROR","message":"Invalid token request: validity: expected one of \\"6m\\", \\"1y\\" (the maximum is \\"1y\\")"}}',
      )
    })

    it('refuses an unknown owner with 400', async () => {
      const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'root', body: { name: 'x', validity: '6m', username: 'nobody' } })
      expect(outcome.body).toBe(errorBody('Invalid token request: username: expected the username of an active user'))
    })

    it('refuses a body that is not JSON with 400 token_request_invalid', async () => {
      for (const body of ['', '{', 'name=x&validity=6m', "{'name':'x'}"]) {
        const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'alice', body })
        expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['token_request_invalid', 400])
        expect(outcome.body).toBe('{"error":{"status":"ERROR","message":"Invalid token request: body: expected JSON such as {\\"name\\":\\"ci\\",\\"validity\\":\\"6m\\"}"}}')
      }
      expect(stores.tokens.listByOwner('alice')).toEqual([])
    })

    it('lists every problem of a JSON body by field', async () => {
      const cases: [unknown, string][] = [
        [[], '(root): expected a JSON object, got a list'],
        [null, '(root): expected a JSON object, got null'],
        [{}, 'name: expected a name of 1 to 100 characters, got nothing; validity: expected one of "never", "1m", "2m", "3m", "4m", "5m", "6m", "1y", "2y", got nothing'],
        [{ name: '   ', validity: '6m' }, 'name: expected a name of 1 to 100 characters, got ""'],
        [{ name: 'x'.repeat(101), validity: '6m' }, `name: expected a name of 1 to 100 characters, got "${'x'.repeat(57)}..."`],
        [{ name: 'a\nb', validity: '6m' }, 'name: expected no control characters, got "a\\nb"'],
        [{ name: 'x', validity: '7m' }, 'validity: expected one of "never", "1m", "2m", "3m", "4m", "5m", "6m", "1y", "2y", got "7m"'],
        [{ name: 'x', validity: 6 }, 'validity: expected one of "never", "1m", "2m", "3m", "4m", "5m", "6m", "1y", "2y", got 6'],
        [{ name: 'x', validity: '6m', username: '' }, 'username: expected a username, got ""'],
        [{ name: 'x', validity: '6m', owner: 'bob' }, '(root): unknown field "owner"'],
      ]
      for (const [body, detail] of cases) {
        const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'alice', body })
        expect([body, outcome.status, outcome.body]).toEqual([body, 400, errorBody(`Invalid token request: ${detail}`)])
      }
    })

    it('refuses when the body cannot be read', async () => {
      const unreadable = await send('POST', '/rest/auth/1/token', { as: 'alice', reader: () => Promise.reject(new RangeError('too big')) })
      expect(unreadable.outcome.body).toBe(errorBody('Invalid token request: body: expected UTF-8 JSON of at most 16 KiB'))
      const missing = await send('POST', '/rest/auth/1/token', { as: 'alice', reader: null })
      expect(missing.outcome.body).toBe(errorBody('Invalid token request: body: this server does not pass request bodies to Portcullis'))
      expect(missing.status).toBe(400)
    })

    it('enforces maxPerUser with 409', async () => {
      setup({ apiTokens: { maxPerUser: 2 } })
      await create('alice', { name: '1', validity: '6m' })
      await create('alice', { name: '2', validity: '6m' })
      const { outcome } = await send('POST', '/rest/auth/1/token', { as: 'alice', body: { name: '3', validity: '6m' } })
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['token_limit_reached', 409, limitReached])
    })

    it('never exceeds maxPerUser with parallel requests', async () => {
      // Twelve password checks at once: more than the login throttle lets run together by default.
      setup({ apiTokens: { maxPerUser: 3 }, passwordLockout: { maxFailures: 12 } })
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => call('POST', '/rest/auth/1/token', { as: 'alice', body: { name: `t${i}`, validity: '6m' } })),
      )
      expect(outcomes.filter((o) => o.kind === 'respond' && o.status === 201)).toHaveLength(3)
      expect(outcomes.filter((o) => o.kind === 'deny' && o.status === 409)).toHaveLength(9)
      expect(stores.tokens.listByOwner('alice')).toHaveLength(3)
    })

    it('requires authentication', async () => {
      const outcome = await call('POST', '/rest/auth/1/token', { body: { name: 'x', validity: '6m' } })
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['credentials_missing', 401])
      expect(stores.tokens.listByOwner('alice')).toEqual([])
    })

    it('writes an audit record naming the actor and the owner', async () => {
      const created = await create('root', { name: 'for alice', validity: '6m', username: 'alice' })
      const records = stores.audit.query().filter((r) => r.event === 'token.create' && r.owner !== undefined)
      expect(records).toEqual([
        {
          time: start,
          event: 'token.create',
          outcome: 'success',
          reason: 'token.create',
          user: 'root',
          owner: 'alice',
          tokenId: created.id,
          method: 'POST',
          path: '/rest/auth/1/token',
          client: '192.0.2.7',
        },
      ])
      expect(JSON.stringify(stores.audit.query())).not.toContain(created.token)
    })

    it('audits a refused creation with the actor', async () => {
      await send('POST', '/rest/auth/1/token', { as: 'alice', body: { name: 'x', validity: '6m', username: 'bob' } })
      expect(stores.audit.query({ limit: 1 })[0]).toMatchObject({ event: 'token.create', outcome: 'forbidden', reason: 'token_generation_denied', user: 'alice' })
    })
  })

  describe('GET /rest/auth/1/token', () => {
    it("lists the caller's tokens", async () => {
      const a = await create('alice', { name: 'a', validity: '6m' })
      await create('bob', { name: 'b', validity: '6m' })
      const { outcome, json } = await send('GET', '/rest/auth/1/token', { as: 'alice' })
      expect([outcome.status, outcome.headers]).toEqual([200, jsonHeaders])
      expect(json.map((t: { id: string }) => t.id)).toEqual([a.id])
    })

    it("lists another user's tokens to an admin only", async () => {
      const b = await create('bob', { name: 'b', validity: '6m' })
      expect((await send('GET', '/rest/auth/1/token?username=bob', { as: 'root' })).json.map((t: { id: string }) => t.id)).toEqual([b.id])
      const refused = await send('GET', '/rest/auth/1/token?username=bob', { as: 'alice' })
      expect([refused.status, refused.outcome.body]).toEqual([403, denied])
    })

    it('serves an unparsable authority-like target the same way', async () => {
      // "//;[" would make `new URL(target, base)` throw; the path still normalises to the token route.
      const { status, json } = await send('GET', '//;[/rest/auth/1/token?username=alice', { as: 'alice' })
      expect([status, json]).toEqual([200, []])
      // With a dot segment it is refused before any route is chosen.
      const dotted = await send('GET', '//[/../rest/auth/1/token?username=alice', { as: 'alice' })
      expect([dotted.status, dotted.outcome.kind, dotted.json]).toEqual([400, 'deny', { error: { status: 'ERROR', message: 'Malformed request path' } }])
    })
  })

  describe('GET and DELETE /rest/auth/1/token/{id}', () => {
    it('reads the expiry details of a token', async () => {
      const created = await create('alice', { name: 'a', validity: '1m' })
      clock = start + 10 * dayMs
      const { status, json } = await send('GET', `/rest/auth/1/token/${created.id}`, { as: 'alice' })
      expect(status).toBe(200)
      expect(json).toEqual({
        id: created.id,
        name: 'a',
        owner: 'alice',
        createdBy: 'alice',
        createdAt: '2025-01-15T12:00:00.000Z',
        expiresAt: '2025-02-15T12:00:00.000Z',
        expired: false,
        expiresInDays: 21,
      })
    })

    it("answers 404 for another user's token and for an unknown id", async () => {
      const created = await create('alice', { name: 'a', validity: '6m' })
      for (const [method, target] of [
        ['GET', `/rest/auth/1/token/${created.id}`],
        ['DELETE', `/rest/auth/1/token/${created.id}`],
        ['GET', '/rest/auth/1/token/doesnotexist0'],
      ] as const) {
        const { outcome } = await send(method, target, { as: 'bob' })
        expect(outcome.kind === 'deny' && [method, outcome.error, outcome.status, outcome.body]).toEqual([method, 'token_not_found', 404, notFound])
      }
      expect(stores.tokens.findById(created.id)).toBeDefined()
    })

    it('revokes a token, which then stops authenticating', async () => {
      const created = await create('alice', { name: 'a', validity: '6m' })
      const { status, json } = await send('DELETE', `/rest/auth/1/token/${created.id}`, { as: 'alice' })
      expect([status, json.id]).toEqual([200, created.id])
      const after = await call('GET', '/rest/api/2/myself', { as: created.token })
      expect(after.kind === 'deny' && after.error).toBe('api_token_invalid')
      expect((await send('DELETE', `/rest/auth/1/token/${created.id}`, { as: 'alice' })).status).toBe(404)
      const audit = stores.audit.query().find((r) => r.event === 'token.delete' && r.owner === 'alice')
      expect(audit).toMatchObject({ user: 'alice', tokenId: created.id, path: `/rest/auth/1/token/${created.id}` })
    })

    it("lets an admin revoke another user's token", async () => {
      const created = await create('alice', { name: 'a', validity: '6m' })
      expect((await send('DELETE', `/rest/auth/1/token/${created.id}`, { as: 'root' })).status).toBe(200)
      expect(stores.audit.query().find((r) => r.event === 'token.delete' && r.owner === 'alice')).toMatchObject({ user: 'root' })
    })

    it('answers 404 below a token id', async () => {
      const created = await create('alice', { name: 'a', validity: '6m' })
      expect((await send('GET', `/rest/auth/1/token/${created.id}/x`, { as: 'alice' })).outcome.body).toBe(notFound)
    })
  })

  describe('DELETE /rest/auth/1/token/expired', () => {
    it("deletes the caller's expired tokens and reports them", async () => {
      const old = await create('alice', { name: 'old', validity: '1m' })
      const live = await create('alice', { name: 'live', validity: '6m' })
      const bobs = await create('bob', { name: 'old', validity: '1m' })
      clock = Date.parse(old.expiresAt!)
      const { status, json } = await send('DELETE', '/rest/auth/1/token/expired', { as: 'alice' })
      expect(status).toBe(200)
      expect(json.deleted.map((t: { id: string }) => t.id)).toEqual([old.id])
      expect(stores.tokens.listByOwner('alice').map((r) => r.id)).toEqual([live.id])
      expect(stores.tokens.findById(bobs.id)).toBeDefined()
    })

    it("deletes another user's expired tokens for an admin only", async () => {
      const bobs = await create('bob', { name: 'old', validity: '1m' })
      clock = start + 60 * dayMs
      const refused = await send('DELETE', '/rest/auth/1/token/expired?username=bob', { as: 'alice' })
      expect([refused.status, refused.outcome.body]).toEqual([403, denied])
      expect(stores.tokens.findById(bobs.id)).toBeDefined()
      const served = await send('DELETE', '/rest/auth/1/token/expired?username=bob', { as: 'root' })
      expect(served.json.deleted.map((t: { id: string }) => t.id)).toEqual([bobs.id])
      expect(stores.audit.query().find((r) => r.event === 'token.delete-expired' && r.owner === 'bob')).toMatchObject({ user: 'root', tokenId: bobs.id })
    })
  })

  describe('methods', () => {
    it('answers 405 with an Allow header', async () => {
      for (const [method, target, allow] of [
        ['PUT', '/rest/auth/1/token', 'GET, POST'],
        ['DELETE', '/rest/auth/1/token', 'GET, POST'],
        ['POST', '/rest/auth/1/token/abc', 'GET, DELETE'],
        ['PATCH', '/rest/auth/1/token/abc', 'GET, DELETE'],
        ['GET', '/rest/auth/1/token/expired', 'DELETE'],
        ['POST', '/rest/auth/1/token/expired', 'DELETE'],
      ] as const) {
        const outcome = await call(method, target, { as: 'alice', body: { name: 'x', validity: '6m' } })
        expect(outcome.kind === 'deny' && [method, target, outcome.error, outcome.status, outcome.headers.allow, outcome.body]).toEqual([
          method,
          target,
          'method_not_allowed',
          405,
          allow,
          notAllowed,
        ])
      }
      expect(stores.tokens.listByOwner('alice')).toEqual([])
    })
  })

  describe('addressing', () => {
    it('lives under the configured prefix', async () => {
      setup({ protectedPrefix: '/api/v2/' })
      expect((await send('GET', '/api/v2/auth/1/token', { as: 'alice' })).status).toBe(200)
      const elsewhere = await call('GET', '/rest/auth/1/token', { as: 'alice' })
      expect(elsewhere.kind).toBe('pass')
    })

    it('is reached through normalised spellings of its path', async () => {
      for (const target of ['//rest/auth/1/token', '/REST/auth/1/token', '/rest//auth/1/token/', '/rest\\auth\\1\\token', '/rest;x=1/auth/1/token?x=1']) {
        expect([target, (await send('GET', target, { as: 'alice' })).status]).toEqual([target, 200])
      }
    })

    it('is not reached through a spelling with a dot segment: 400 path_invalid', async () => {
      for (const target of ['/rest/./auth/1/token/', '/rest/auth/x/../1/token', '/rest/auth/1/token/%2e']) {
        const { outcome, status } = await send('GET', target, { as: 'alice' })
        expect([target, status, outcome.kind === 'deny' && outcome.error]).toEqual([target, 400, 'path_invalid'])
      }
    })

    it('hands other paths under the prefix to the host', async () => {
      for (const target of ['/rest/auth/1', '/rest/auth/2/token', '/rest/AUTH/1/token', '/rest/api/2/myself']) {
        const outcome = await call('GET', target, { as: 'alice' })
        expect([target, outcome.kind]).toEqual([target, 'allow'])
      }
    })

    it('finds the token route segments after the prefix', () => {
      const config = loadConfig({ protectedPrefix: '/api/v2/' })
      expect(tokenRoute(['api', 'v2', 'auth', '1', 'token'], config)).toEqual([])
      expect(tokenRoute(['api', 'v2', 'auth', '1', 'token', 'abc'], config)).toEqual(['abc'])
      expect(tokenRoute(['api', 'v2', 'auth', '1'], config)).toBeUndefined()
      expect(tokenRoute(['api', 'v2', 'auth', '1', 'tokens'], config)).toBeUndefined()
    })
  })

  describe('failing store', () => {
    it('answers 503 when the token store fails while serving the route', async () => {
      const broken: TokenStore = {
        insert: () => Promise.reject(new Error('down')),
        findByHash: () => undefined,
        findById: () => Promise.reject(new Error('down')),
        listByOwner: () => Promise.reject(new Error('down')),
        delete: () => Promise.reject(new Error('down')),
        deleteExpired: () => Promise.reject(new Error('down')),
      }
      setup({}, broken)
      for (const [method, target] of [
        ['POST', '/rest/auth/1/token'],
        ['GET', '/rest/auth/1/token'],
        ['GET', '/rest/auth/1/token/abc'],
        ['DELETE', '/rest/auth/1/token/expired'],
      ] as const) {
        const outcome = await call(method, target, { as: 'alice', body: { name: 'x', validity: '6m' } })
        expect(outcome.kind === 'deny' && [method, target, outcome.error, outcome.status, outcome.body]).toEqual([
          method,
          target,
          'store_unavailable',
          503,
          unavailable,
        ])
        expect(outcome.audit).toMatchObject({ outcome: 'unavailable', user: 'alice', path: target })
      }
    })
  })
})
