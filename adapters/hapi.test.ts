import Hapi from '@hapi/hapi'
import { describe, expect, it } from 'vitest'
import { createPortcullis, errorBody, type ConfigInput } from '../core/index.ts'
import { passwords, seedMemoryStores, tokens } from '../conformance/index.ts'
import { portcullisPlugin, type PortcullisHapiOptions, type PortcullisRefs } from './hapi.ts'

/** What the conformance run (one catch-all route, 'optional' default) does not show: Hapi's own route settings. */
async function serverWith(config: ConfigInput = {}, options: Partial<PortcullisHapiOptions> = {}) {
  const portcullis = createPortcullis({ config, stores: await seedMemoryStores() })
  const server = Hapi.server()
  await server.register({ plugin: portcullisPlugin, options: { portcullis, ...options } })
  return server
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('hapi adapter', () => {
  it('hands the caller to the route: credentials { user, via, tokenId }, the decision in artifacts', async () => {
    const server = await serverWith()
    server.route<PortcullisRefs>({
      method: 'GET',
      path: '/rest/api/2/myself',
      options: { auth: 'portcullis' },
      handler: ({ auth }) => ({ user: auth.credentials.user?.username, via: auth.credentials.via, tokenId: auth.credentials.tokenId, kind: auth.artifacts.kind }),
    })
    const res = await server.inject({ url: '/rest/api/2/myself', headers: bearer(tokens.alice) })
    expect(res.result).toEqual({ user: 'alice', via: 'api-token', tokenId: 'tok-alice', kind: 'allow' })
  })

  it("refuses a protected path even on a route without the strategy (the config decides, not the route)", async () => {
    const server = await serverWith()
    server.route({ method: 'GET', path: '/rest/api/2/open', options: { auth: false }, handler: () => 'ran' })
    const res = await server.inject('/rest/api/2/open')
    expect(res.statusCode).toBe(401)
    expect(res.payload).toBe(errorBody('credentials_missing'))
  })

  it('serves the token API with no route of its own, reading the body before Hapi parses payloads', async () => {
    const server = await serverWith()
    const res = await server.inject({
      method: 'POST',
      url: '/rest/auth/1/token',
      headers: { authorization: `Basic ${btoa(`alice:${passwords.alice}`)}`, 'content-type': 'application/json' },
      payload: '{"name":"hapi","validity":"1m"}',
    })
    expect(res.statusCode).toBe(201)
    expect(JSON.parse(res.payload)).toMatchObject({ owner: 'alice', name: 'hapi' })
  })

  it("maps a pass onto the route's mode: 'optional' runs the handler without credentials, 'required' is Hapi's 401", async () => {
    const server = await serverWith({ paths: { anonymous: ['/rest/api/2/serverInfo'] } })
    server.route({ method: 'GET', path: '/rest/api/2/serverInfo', options: { auth: { strategy: 'portcullis', mode: 'optional' } }, handler: (r) => ({ authenticated: r.auth.isAuthenticated }) })
    server.route({ method: 'GET', path: '/status', options: { auth: { strategy: 'portcullis', mode: 'required' } }, handler: () => 'ran' })
    expect((await server.inject('/rest/api/2/serverInfo')).result).toEqual({ authenticated: false })
    const required = await server.inject('/status')
    expect(required.statusCode).toBe(401)
    expect(required.headers['www-authenticate']).toBe('Bearer realm="portcullis"')
  })

  it('never reads a decision it did not make: plugins.portcullis filled in by the caller is cleared', async () => {
    const server = await serverWith()
    server.route({ method: 'GET', path: '/status', options: { auth: { strategy: 'portcullis', mode: 'required' } }, handler: () => 'ran' })
    const forged = { kind: 'allow', user: { username: 'admin' }, via: 'api-token', headers: {}, audit: {} }
    expect((await server.inject({ url: '/status', plugins: { portcullis: forged } as never })).statusCode).toBe(401)
  })

  it("lets another strategy of the route authenticate a request Portcullis passed (bypass)", async () => {
    const server = await serverWith({ paths: { bypass: ['/rest/session/**'] } })
    server.auth.scheme('session', () => ({ authenticate: (_request, h) => h.authenticated({ credentials: { user: { username: 'from-session' } } }) }))
    server.auth.strategy('session', 'session')
    server.route({ method: 'GET', path: '/rest/session/me', options: { auth: { strategies: ['portcullis', 'session'] } }, handler: (r) => ({ strategy: r.auth.strategy }) })
    expect((await server.inject('/rest/session/me')).result).toEqual({ strategy: 'session' })
  })

  it('adds the RateLimit headers to whatever an allowed route answers, errors included', async () => {
    const server = await serverWith({ rateLimit: { enabled: true, limit: 5, windowSeconds: 60 } }, { defaultMode: 'required' })
    server.route({ method: 'GET', path: '/rest/api/2/broken', handler: () => { throw new Error('boom') } })
    const res = await server.inject({ url: '/rest/api/2/broken', headers: bearer(tokens.alice) })
    expect(res.statusCode).toBe(500)
    expect(res.headers.ratelimit).toBe('"default";r=4;t=60')
  })

  it('honours server.inject({ auth }): injected credentials skip the engine, as they skip every scheme', async () => {
    const server = await serverWith({}, { defaultMode: 'required' })
    server.route({ method: 'GET', path: '/rest/api/2/myself', handler: (r) => ({ injected: r.auth.isInjected }) })
    const res = await server.inject({ url: '/rest/api/2/myself', auth: { strategy: 'portcullis', credentials: { user: {} } } })
    expect(res.result).toEqual({ injected: true })
  })

  it('registers the strategy under another name on request', async () => {
    const server = await serverWith({}, { strategy: 'api', defaultMode: 'try' })
    server.route({ method: 'GET', path: '/rest/x', handler: (r) => ({ strategy: r.auth.strategy }) })
    expect((await server.inject({ url: '/rest/x', headers: bearer(tokens.bob) })).result).toEqual({ strategy: 'api' })
  })
})
