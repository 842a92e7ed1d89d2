import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { TokenStore } from '../../storage/types.ts'
import { createPortcullis } from '../portcullis.ts'
import { tokenFromBody } from '../tokens/format.ts'
import { jwtIssuer, jwtKeys, jwts } from '../../conformance/fixture.ts'

const get = (authorization: string) => ({
  method: 'GET',
  target: '/rest/api/2/myself',
  headers: new Headers({ authorization }),
  peer: '127.0.0.1',
})

/** An introspection endpoint answering `answer` for every token, counting the tokens it is sent. */
function provider(answer: Record<string, unknown>) {
  const seen: string[] = []
  const fetchImpl: typeof fetch = async (_url, init) => {
    seen.push(new URLSearchParams(String(init?.body)).get('token') ?? '')
    return Response.json(answer)
  }
  return { fetchImpl, seen }
}

const oauth = {
  introspection: { endpoint: 'https://idp.example.com/introspect', clientId: 'portcullis', clientSecret: 's3cret' },
  clientCredentials: { clientIds: ['deployer'], serviceAccount: 'svc-deploy' },
}

describe('which method a credential goes to', () => {
  let stores: MemoryStores
  beforeEach(async () => {
    stores = memoryStores({ passwordIterations: 1000 })
    await stores.users.add({ username: 'alice', email: 'alice@example.com' })
    await stores.users.add({ username: 'svc-deploy', groups: ['admins'] })
  })

  describe("a JWT beside the host's own tokens", () => {
    const jwt = { issuers: [{ issuer: jwtIssuer, algorithms: ['ES256' as const], jwks: jwtKeys }] }
    const base64url = (value: object) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    /** A JWT the host issued as an OAuth access token: its issuer is not one Portcullis verifies. */
    const hostJwt = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iss: 'https://host.example', sub: 'alice' })}.c2lnbmF0dXJl`
    let asked: string[]
    const hostOAuthTokens = (token: string) => {
      asked.push(token)
      return token === hostJwt ? 'alice' : undefined
    }
    beforeEach(() => {
      asked = []
    })

    it("goes to the host's verifier when its issuer is not configured and hostTokens.oauth is on", async () => {
      const portcullis = createPortcullis({ config: { jwt, hostTokens: { oauth: true } }, stores: { ...stores, hostOAuthTokens } })
      const outcome = await portcullis.handle(get(`Bearer ${hostJwt}`))
      expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'host-oauth'])
      expect(asked).toEqual([hostJwt])
    })

    it("is verified locally, never shown to the host's verifier, when its issuer is configured", async () => {
      const portcullis = createPortcullis({ config: { jwt, hostTokens: { oauth: true } }, stores: { ...stores, hostOAuthTokens } })
      const outcome = await portcullis.handle(get(`Bearer ${jwts.alice}`))
      expect(outcome.kind === 'allow' && outcome.via).toBe('jwt')
      expect(asked).toEqual([])
    })

    it('of an unknown issuer is refused as a JWT (400) when nothing else takes Bearer tokens', async () => {
      const portcullis = createPortcullis({ config: { jwt }, stores })
      const outcome = await portcullis.handle(get(`Bearer ${hostJwt}`))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['jwt_invalid', 400])
    })
  })

  describe('switched off, with their settings kept', () => {
    it('OAuth tokens never reach the provider', async () => {
      const { fetchImpl, seen } = provider({ active: true, username: 'alice' })
      const portcullis = createPortcullis({ config: { oauth: { ...oauth, enabled: false } }, stores, fetch: fetchImpl })
      const outcome = await portcullis.handle(get('Bearer opaque-user-token'))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['api_token_invalid', 401])
      expect(seen).toEqual([])
      expect((await portcullis.testToken('oauth', 'opaque-user-token')).reason).toContain('OAuth tokens are off (oauth.enabled)')
    })

    it("OAuth tokens go to the host's verifier when its toggle is on", async () => {
      const { fetchImpl, seen } = provider({ active: true, username: 'alice' })
      const hostOAuthTokens = (token: string) => (token === 'opaque-user-token' ? 'alice' : undefined)
      const config = { oauth: { ...oauth, enabled: false }, hostTokens: { oauth: true } }
      const outcome = await createPortcullis({ config, stores: { ...stores, hostOAuthTokens }, fetch: fetchImpl }).handle(get('Bearer opaque-user-token'))
      expect(outcome.kind === 'allow' && outcome.via).toBe('host-oauth')
      expect(seen).toEqual([])
    })

    it('a JWT of a configured issuer goes to the OAuth provider when one is on', async () => {
      const { fetchImpl, seen } = provider({ active: false })
      const jwt = { enabled: false, issuers: [{ issuer: jwtIssuer, algorithms: ['ES256' as const], jwks: jwtKeys }] }
      const outcome = await createPortcullis({ config: { jwt, oauth }, stores, fetch: fetchImpl }).handle(get(`Bearer ${jwts.alice}`))
      expect(outcome.kind === 'deny' && outcome.error).toBe('client_credentials_invalid')
      expect(seen).toEqual([jwts.alice])
    })

    it('a JWT of a configured issuer is not verified', async () => {
      const jwt = { enabled: false, issuers: [{ issuer: jwtIssuer, algorithms: ['ES256' as const], jwks: jwtKeys }] }
      const outcome = await createPortcullis({ config: { jwt }, stores }).handle(get(`Bearer ${jwts.alice}`))
      expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['api_token_invalid', 401])
      const on = await createPortcullis({ config: { jwt: { ...jwt, enabled: true } }, stores }).handle(get(`Bearer ${jwts.alice}`))
      expect(on.kind === 'allow' && on.via).toBe('jwt')
    })
  })

  it('keeps a mistyped Portcullis token away from the identity provider', async () => {
    const { fetchImpl, seen } = provider({ active: true, username: 'alice' })
    const portcullis = createPortcullis({ config: { oauth }, stores, fetch: fetchImpl })
    const good = tokenFromBody('A'.repeat(33))
    const outcome = await portcullis.handle(get(`Bearer ${good.slice(0, -1)}`))
    expect(outcome.kind === 'deny' && outcome.error).toBe('api_token_invalid')
    expect(seen).toEqual([])
  })

  it("runs a user's token obtained through a machine client as that user, never as the service account", async () => {
    const { fetchImpl } = provider({ active: true, client_id: 'deployer', username: 'alice' })
    const portcullis = createPortcullis({ config: { oauth }, stores, fetch: fetchImpl })
    const outcome = await portcullis.handle(get('Bearer opaque-user-token'))
    expect(outcome.kind === 'allow' && outcome.user.username).toBe('alice')
  })

  it('runs a machine token (no user) of an accepted client as the service account', async () => {
    const { fetchImpl } = provider({ active: true, client_id: 'deployer' })
    const portcullis = createPortcullis({ config: { oauth }, stores, fetch: fetchImpl })
    const outcome = await portcullis.handle(get('Bearer opaque-machine-token'))
    expect(outcome.kind === 'allow' && outcome.user.username).toBe('svc-deploy')
  })

  it('matches a username pattern as a whole, whatever alternatives it holds', async () => {
    await stores.users.add({ username: 'admin', groups: ['admins'] })
    const { fetchImpl } = provider({ active: true, username: 'admin@example.com.evil.net' })
    const portcullis = createPortcullis({ config: { oauth: { ...oauth, usernamePattern: '^(.+)@example\\.com|x$' } }, stores, fetch: fetchImpl })
    const outcome = await portcullis.handle(get('Bearer opaque-token'))
    expect(outcome.kind === 'deny' && outcome.error).toBe('user_not_found')
  })

  it('answers 503, not a rejected promise, when a synchronous store throws for the lookup and the audit write alike', async () => {
    const broken = new Error('SQLITE_IOERR')
    const tokens: TokenStore = Object.assign(Object.create(stores.tokens) as TokenStore, { findByHash: () => { throw broken } })
    const audit = { append: () => { throw broken }, query: () => [], prune: () => 0 }
    const portcullis = createPortcullis({ config: {}, stores: { ...stores, tokens, audit } })
    const outcome = await portcullis.handle(get(`Bearer ${tokenFromBody('B'.repeat(33))}`))
    expect(outcome.kind === 'deny' && [outcome.status, outcome.error]).toEqual([503, 'store_unavailable'])
  })
})
