/**
 * OpenID Connect REST SSO against a small password-grant provider on loopback
 * (oidc-provider has no resource owner password credentials grant). It answers as
 * Keycloak does: 200 with tokens, 401 `invalid_grant` for wrong credentials, 400
 * `unauthorized_client` for a client without direct access grants.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serveLoopback, type LoopbackServer } from '../../test-support/loopback-server.ts'
import { memoryStores, type MemoryStores } from '../../storage/memory/index.ts'
import type { AuditRecord } from '../../storage/types.ts'
import { ConfigError, loadConfig } from '../config/load.ts'
import type { ConfigInput } from '../config/schema.ts'
import type { Outcome } from '../decision.ts'
import { createPortcullis, type Portcullis } from '../portcullis.ts'

const t0 = Date.UTC(2026, 5, 1, 12)
const errorBody = (message: string) => JSON.stringify({ error: { status: 'ERROR', message } })
const basic = (username: string, secret: string) => `Basic ${btoa(`${username}:${secret}`)}`

/** The provider's clients and users. */
const clients: Record<string, { secret: string; directAccess: boolean }> = {
  portal: { secret: 'portal-secret', directAccess: true },
  'web-only': { secret: 'web-secret', directAccess: false },
}
const providerUsers: Record<string, string> = { alice: 'open:sesame', carol: 'carol-pw', 'not-in-directory': 'nid-pw' }

const json = (status: number, body: unknown) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } })

/** The token endpoint; every form it receives is kept in `forms`. While `state.failing`, it answers 503. */
function passwordProvider(forms: URLSearchParams[], state: { failing: boolean }) {
  return async (request: Request) => {
    if (state.failing) return json(503, { error: 'temporarily_unavailable' })
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/realms/test/token') return json(404, { error: 'not_found' })
    const form = new URLSearchParams(await request.text())
    forms.push(form)
    const [id = '', secret = ''] = atob((request.headers.get('authorization') ?? '').replace(/^Basic /, '')).split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')))
    const client = clients[id]
    if (!client || client.secret !== secret) return json(401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' })
    if (form.get('grant_type') !== 'password') return json(400, { error: 'unsupported_grant_type' })
    if (!client.directAccess) return json(400, { error: 'unauthorized_client', error_description: 'Client not allowed for direct access grants' })
    const username = form.get('username') ?? ''
    if (!Object.hasOwn(providerUsers, username) || providerUsers[username] !== form.get('password')) {
      return json(401, { error: 'invalid_grant', error_description: 'Invalid user credentials' })
    }
    return json(200, { access_token: `at-${crypto.randomUUID()}`, token_type: 'Bearer', expires_in: 300, scope: form.get('scope') })
  }
}

describe('REST SSO: passwords checked at the provider (password grant)', () => {
  let provider: LoopbackServer
  let forms: URLSearchParams[]
  let state: { failing: boolean }
  let stores: MemoryStores
  let now: number
  let lines: string[]
  let portcullis: Portcullis

  const setup = (restSso: Partial<NonNullable<ConfigInput['restSso']>> = {}, extra: ConfigInput = {}) => {
    portcullis = createPortcullis({
      config: {
        restSso: { enabled: true, tokenEndpoint: `${provider.url}/realms/test/token`, clientId: 'portal', clientSecret: 'portal-secret', ...restSso },
        passwordLockout: { maxFailures: 3, windowSeconds: 900, lockSeconds: 60 },
        ...extra,
      },
      stores,
      now: () => now,
      log: (line) => lines.push(line),
    })
  }
  const get = async (authorization?: string, { target = '/rest/api/2/myself', peer = '192.0.2.10' } = {}): Promise<Outcome> =>
    portcullis.handle({ method: 'GET', target, headers: new Headers(authorization === undefined ? {} : { authorization }), peer })
  const audit = (): AuditRecord[] => [...stores.audit.query()].reverse()

  beforeEach(async () => {
    forms = []
    state = { failing: false }
    provider = await serveLoopback(passwordProvider(forms, state))
    stores = memoryStores({ passwordIterations: 1000 })
    // The directory's own passwords differ from the provider's: only the provider decides.
    await stores.users.add({ username: 'alice', password: 'local-pw', email: 'alice@example.com', groups: ['developers'] })
    await stores.users.add({ username: 'carol', password: 'local-pw', groups: ['developers'] })
    now = t0
    lines = []
    setup()
  })
  afterEach(async () => {
    await provider.close()
  })

  it('allows Basic credentials the provider accepts, sending it the password grant with our client credentials', async () => {
    const outcome = await get(basic('alice', 'open:sesame'))
    expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'rest-sso'])
    expect(forms.map((f) => Object.fromEntries(f))).toEqual([{ grant_type: 'password', username: 'alice', password: 'open:sesame', scope: 'openid' }])
    // The local password is not a way in while REST SSO is on.
    expect((await get(basic('alice', 'local-pw'))).kind).toBe('deny')
  })

  it('reads os_username and os_password query parameters, and keeps the password out of the audit and the log', async () => {
    const outcome = await get(undefined, { target: '/rest/api/2/myself?os_username=alice&os_password=open%3Asesame' })
    expect(outcome.kind === 'allow' && [outcome.user.username, outcome.via]).toEqual(['alice', 'rest-sso'])
    expect(forms[0]?.get('password')).toBe('open:sesame')
    expect(outcome.audit.path).toBe('/rest/api/2/myself')
    expect(lines.join('\n')).not.toMatch(/sesame|os_password/)

    const refused = await get(undefined, { target: '/rest/api/2/myself?os_username=alice&os_password=wrong' })
    expect(refused.kind === 'deny' && [refused.error, refused.status]).toEqual(['password_invalid', 401])
    // A repeated parameter is ambiguous: malformed, and the provider is not asked.
    const repeated = await get(undefined, { target: '/rest/api/2/myself?os_username=alice&os_username=carol&os_password=open%3Asesame' })
    expect(repeated.kind === 'deny' && repeated.error).toBe('credentials_malformed')
    expect(provider.requests).toBe(2)
  })

  it('answers wrong credentials 401 and logs the provider reason', async () => {
    const outcome = await get(basic('alice', 'guess'))
    expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['password_invalid', 401, errorBody('Invalid username or password')])
    expect(outcome.kind === 'deny' && outcome.headers['www-authenticate']).toBe('Basic realm="portcullis", charset="UTF-8"')
    expect(outcome.audit.detail).toBe('provider refused: invalid_grant: Invalid user credentials')
    expect(lines).toEqual([
      'portcullis: request unauthorized (password_invalid) user="-" GET "/rest/api/2/myself" client="192.0.2.10" detail="provider refused: invalid_grant: Invalid user credentials"',
    ])
  })

  it('answers a provider refusing direct access grants 401 password_invalid, with its reason in the audit detail and the log line', async () => {
    setup({ clientId: 'web-only', clientSecret: 'web-secret' })
    const outcome = await get(basic('alice', 'open:sesame'))
    expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['password_invalid', 401, errorBody('Invalid username or password')])
    const reason = 'unauthorized_client: Client not allowed for direct access grants'
    expect(stores.audit.query()[0]).toMatchObject({ outcome: 'unauthorized', reason: 'password_invalid', detail: `provider refused: ${reason}` })
    expect(lines[0]).toContain(`detail="provider refused: ${reason}"`)
    // The body the client sees does not carry the provider's reason.
    expect(outcome.kind === 'deny' && outcome.body).not.toContain('direct access')
  })

  it('answers a provider refusing our own client secret 401, with its reason logged', async () => {
    setup({ clientSecret: 'not-the-secret' })
    const outcome = await get(basic('alice', 'open:sesame'))
    expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['password_invalid', 401])
    expect(outcome.audit.detail).toBe('provider refused: invalid_client: Invalid client or Invalid client credentials')
    expect(lines[0]).not.toContain('not-the-secret')
  })

  it('does not count refusals of our own client towards the lock: a misconfigured client must not lock users out', async () => {
    setup({ clientId: 'web-only', clientSecret: 'web-secret' })
    for (let i = 0; i < 5; i++) {
      const outcome = await get(basic('alice', 'open:sesame'))
      expect(outcome.kind === 'deny' && outcome.error).toBe('password_invalid')
    }
    expect(stores.audit.query({ outcome: 'rate-limited' })).toEqual([])
  })

  it('answers a user the provider accepts but the directory lacks with the documented 400', async () => {
    const outcome = await get(basic('not-in-directory', 'nid-pw'))
    expect(outcome.kind === 'deny' && [outcome.error, outcome.status, outcome.body]).toEqual(['user_not_found', 400, errorBody('No user found with this username/email address')])
  })

  it('still accepts API tokens while REST SSO is on, without asking the provider', async () => {
    const created = await portcullis.tokens().create((await stores.users.find('alice'))!, { name: 'ci', validity: '6m' })
    if (!created.ok) throw new Error(created.error)
    const outcome = await get(basic('alice', created.value.token))
    expect(outcome.kind === 'allow' && outcome.via).toBe('api-token')
    expect(provider.requests).toBe(0)
  })

  describe('login throttle', () => {
    const locked = errorBody('Too many login attempts: retry later')

    it('locks a username after maxFailures failures: 429 with Retry-After, without calling the provider, audited; the lock ends after lockSeconds', async () => {
      for (let i = 0; i < 2; i++) expect((await get(basic('alice', `guess-${i}`))).kind).toBe('deny')
      const third = await get(basic('alice', 'guess-2'))
      expect(third.kind === 'deny' && third.status).toBe(401)
      expect(third.audit.detail).toBe('provider refused: invalid_grant: Invalid user credentials; attempts locked for 60 s')
      expect(provider.requests).toBe(3)

      // Locked: even the right password is refused, and the provider is not asked.
      now += 1_000
      const refused = await get(basic('alice', 'open:sesame'))
      expect(refused.kind === 'deny' && [refused.error, refused.status, refused.body]).toEqual(['login_throttled', 429, locked])
      expect(refused.kind === 'deny' && refused.headers['retry-after']).toBe('59')
      expect(provider.requests).toBe(3)
      expect(audit().at(-1)).toMatchObject({ outcome: 'rate-limited', reason: 'login_throttled', path: '/rest/api/2/myself', client: '192.0.2.10' })
      expect(lines.at(-1)).toBe('portcullis: request rate-limited (login_throttled) user="-" GET "/rest/api/2/myself" client="192.0.2.10"')

      // Query parameters go through the same throttle.
      const viaQuery = await get(undefined, { target: '/rest/api/2/myself?os_username=alice&os_password=open%3Asesame', peer: '198.51.100.1' })
      expect(viaQuery.kind === 'deny' && viaQuery.error).toBe('login_throttled')
      expect(provider.requests).toBe(3)

      now += 59_000
      const after = await get(basic('alice', 'open:sesame'))
      expect(after.kind === 'allow' && after.user.username).toBe('alice')
      expect(provider.requests).toBe(4)
    })

    it('locks the client address too: another username from it waits, the same username from elsewhere waits', async () => {
      for (let i = 0; i < 3; i++) await get(basic('alice', `guess-${i}`))
      const sameClient = await get(basic('carol', 'carol-pw'))
      expect(sameClient.kind === 'deny' && sameClient.error).toBe('login_throttled')
      const elsewhere = await get(basic('alice', 'open:sesame'), { peer: '198.51.100.1' })
      expect(elsewhere.kind === 'deny' && elsewhere.error).toBe('login_throttled')
      const unrelated = await get(basic('carol', 'carol-pw'), { peer: '198.51.100.1' })
      expect(unrelated.kind === 'allow' && unrelated.user.username).toBe('carol')
      expect(provider.requests).toBe(4)
    })

    it('counts failures within windowSeconds only, and a success clears the username', async () => {
      await get(basic('alice', 'guess-0'))
      await get(basic('alice', 'guess-1'))
      now += 901_000
      await get(basic('alice', 'guess-2'))
      expect((await get(basic('alice', 'open:sesame'))).kind).toBe('allow')
      await get(basic('alice', 'guess-3'), { peer: '198.51.100.1' })
      await get(basic('alice', 'guess-4'), { peer: '198.51.100.2' })
      expect((await get(basic('alice', 'open:sesame'), { peer: '198.51.100.3' })).kind).toBe('allow')
    })

    it('does not count provider failures (503) as failed attempts', async () => {
      state.failing = true
      for (let i = 0; i < 4; i++) {
        const outcome = await get(basic('alice', 'open:sesame'))
        expect(outcome.kind === 'deny' && [outcome.error, outcome.status]).toEqual(['provider_unavailable', 503])
        expect(outcome.audit.detail).toBe('token endpoint answered HTTP 503')
      }
      state.failing = false
      expect((await get(basic('alice', 'open:sesame'))).kind).toBe('allow')
    })
  })

  describe('configuration', () => {
    const problemsOf = (tokenEndpoint: string) => {
      try {
        loadConfig({ restSso: { enabled: true, tokenEndpoint, clientId: 'portal' } })
        return []
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error
        return error.problems.map((p) => p.path)
      }
    }

    it('refuses a non-https token endpoint, except on a loopback host', () => {
      for (const refused of ['http://idp.example.com/token', 'http://10.0.0.1/token', 'http://127.0.0.1.nip.io/token', 'ftp://127.0.0.1/token', 'https://user:pw@idp.example.com/token', 'not a url']) {
        expect([refused, problemsOf(refused)]).toEqual([refused, ['restSso.tokenEndpoint']])
      }
      for (const accepted of ['https://idp.example.com/realms/x/protocol/openid-connect/token', 'http://127.0.0.1:8080/token', 'http://localhost/token', 'http://[::1]:8080/token']) {
        expect([accepted, problemsOf(accepted)]).toEqual([accepted, []])
      }
    })

    it('needs a token endpoint and a client id when enabled', () => {
      expect(() => loadConfig({ restSso: { enabled: true } })).toThrow(ConfigError)
      expect(() => createPortcullis({ config: { restSso: { enabled: true, tokenEndpoint: 'http://example.com/token', clientId: 'x' } }, stores })).toThrow(ConfigError)
    })
  })
})
