/**
 * Hapi 21 adapter: a plugin that runs the engine on every request and registers the
 * `portcullis` auth scheme. Translation only.
 */
import { unauthorized } from '@hapi/boom'
import type { AuthMode, Plugin, Request, ResponseToolkit } from '@hapi/hapi'
import { isThenable, type Allow, type AuthMethod, type Outcome, type Portcullis, type User } from '../core/index.ts'
import { toAuthRequest } from './node-request.ts'

declare module '@hapi/hapi' {
  interface PluginsStates {
    /** The allow decision of the request, set by the Portcullis plugin in `onRequest`. */
    portcullis?: Allow | undefined
  }
}

/**
 * Options of {@link portcullisPlugin}: the engine, the strategy's name (`'portcullis'` by
 * default) and, when set, the mode in which the strategy becomes the server's default.
 *
 * @example
 * ```ts
 * const options: PortcullisHapiOptions = { portcullis, strategy: 'api', defaultMode: 'optional' }
 * ```
 */
export interface PortcullisHapiOptions {
  readonly portcullis: Portcullis
  readonly strategy?: string
  readonly defaultMode?: AuthMode
}

/**
 * Request typing of a route behind the strategy: `request.auth.credentials` is
 * `{ user, via, tokenId? }`, `request.auth.artifacts` the whole {@link Allow} decision.
 *
 * @example
 * ```ts
 * server.route<PortcullisRefs>({ method: 'GET', path: '/rest/api/2/myself', options: { auth: 'portcullis' },
 *   handler: (request) => ({ name: request.auth.credentials.user?.username }) })
 * ```
 */
export interface PortcullisRefs {
  AuthUser: User
  AuthCredentialsExtra: { via: AuthMethod; tokenId?: string }
  AuthArtifactsExtra: Allow
}

/**
 * The Hapi plugin. `onRequest` runs the engine before routing and payload parsing; a deny
 * and the token API (body read from `request.raw.req`) go out at once, exact, as takeover
 * responses. The scheme authenticates an allowed caller; for a passed request it reports
 * missing authentication, so the route's mode decides (`'optional'`/`'try'`: the handler
 * runs without credentials; `'required'`: Hapi's 401 unless another strategy authenticates).
 * Allowed responses get the engine's headers (RateLimit). The decision is on `request.plugins.portcullis`. `server.inject({ auth })` skips it.
 *
 * @example
 * ```ts
 * import Hapi from '@hapi/hapi'
 * import { createPortcullis } from 'portcullis'
 * import { portcullisPlugin } from 'portcullis/hapi'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const server = Hapi.server({ port: 3000, host: '127.0.0.1' })
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * await server.register({ plugin: portcullisPlugin, options: { portcullis, defaultMode: 'optional' } })
 * server.route({ method: 'GET', path: '/rest/api/2/myself', handler: (request) => request.auth.credentials?.user ?? null })
 * await server.start()
 * ```
 */
export const portcullisPlugin: Plugin<PortcullisHapiOptions> = {
  name: 'portcullis',
  register(server, { portcullis, strategy = 'portcullis', defaultMode }) {
    const proceed = (outcome: Outcome, request: Request, h: ResponseToolkit) => {
      // Set on every request, so nothing but this decision (an injected request's plugins, another plugin) is ever read as one.
      request.plugins.portcullis = outcome.kind === 'allow' ? outcome : undefined
      if (outcome.kind === 'allow' || outcome.kind === 'pass') return h.continue
      const response = h.response(outcome.body).code(outcome.status)
      for (const name in outcome.headers) response.header(name, outcome.headers[name]!)
      return response.takeover()
    }
    server.ext('onRequest', (request, h) => {
      if (request.auth.isInjected) return h.continue
      // Synchronous stores give the outcome at once: no promise for Hapi to wait on.
      const outcome = portcullis.handle(toAuthRequest(request.raw.req))
      return isThenable(outcome) ? outcome.then((answer) => proceed(answer, request, h)) : proceed(outcome, request, h)
    })
    // An allow carries headers only when rate limiting is on: without it, no hook on every response.
    if (portcullis.config.rateLimit.enabled) {
      server.ext('onPreResponse', (request, h) => {
        const headers = request.plugins.portcullis?.headers
        const response = request.response
        for (const name in headers) {
          if ('output' in response) response.output.headers[name] = headers[name]!
          else response.header(name, headers[name]!)
        }
        return h.continue
      })
    }
    server.auth.scheme('portcullis', () => ({
      authenticate(request, h) {
        const allow = request.plugins.portcullis
        if (!allow) return h.unauthenticated(unauthorized(null, 'Bearer', { realm: portcullis.config.realm }))
        const credentials: { user: User; via: AuthMethod; tokenId?: string } = { user: allow.user, via: allow.via }
        if (allow.tokenId !== undefined) credentials.tokenId = allow.tokenId
        return h.authenticated({ credentials, artifacts: allow })
      },
    }))
    server.auth.strategy(strategy, 'portcullis')
    if (defaultMode) server.auth.default({ strategy, mode: defaultMode })
  },
}
