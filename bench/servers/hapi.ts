/**
 * Hapi 21 servers: the route bare, behind the Portcullis plugin (API token; RS256 JWT with
 * the verified-token cache off, so every request verifies; `nodeSignatureCheck` from
 * portcullis/node, as on any Node server), and behind hapi-auth-jwt2
 * (RS256, the run's public key, issuer checked; `validate` maps `sub` to a user), as its
 * README sets it up.
 */
import Hapi from '@hapi/hapi'
import * as hapiAuthJwt2 from 'hapi-auth-jwt2'
import { portcullisPlugin, type PortcullisRefs } from '../../adapters/hapi.ts'
import { nodeSignatureCheck } from '../../adapters/node.ts'
import type { ConfigInput, User } from '../../core/index.ts'
import { benchPath, body, jsonType, jwtAuthorization, jwtConfig, memoryPortcullis, peerDirectory, userOf, type Started, type Variant } from './shared.ts'

async function listen(server: Hapi.Server, authorization: string | null): Promise<Started> {
  await server.start()
  return { port: server.info.port as number, authorization, close: () => server.stop({ timeout: 0 }) }
}

const newServer = () => Hapi.server({ port: 0, host: '127.0.0.1' })

/** The route behind the Portcullis plugin on memory stores (`auth: 'portcullis'`). */
async function portcullis(config: ConfigInput, authorization: (token: string) => string): Promise<Started> {
  const { portcullis, tokenAuthorization } = await memoryPortcullis(config, { signatureCheck: nodeSignatureCheck })
  const server = newServer()
  await server.register({ plugin: portcullisPlugin, options: { portcullis } })
  server.route<PortcullisRefs>({
    method: 'GET',
    path: benchPath,
    options: { auth: 'portcullis' },
    handler: (request, h) => h.response(body(request.auth.credentials.user!, request.info.host)).type(jsonType),
  })
  return listen(server, authorization(tokenAuthorization))
}

export const variants = {
  /** The route on bare Hapi, alice fixed, no authentication. */
  async bare() {
    const alice = (await peerDirectory()).get('alice')!
    const server = newServer()
    server.route({ method: 'GET', path: benchPath, handler: (request, h) => h.response(body(alice, request.info.host)).type(jsonType) })
    return listen(server, null)
  },
  /**
   * Hapi's own authentication lifecycle and nothing else: an `onRequest` extension and a
   * scheme that authenticates alice at once, as the Portcullis plugin is wired. What any
   * auth plugin costs on Hapi before it checks anything (a reference row).
   */
  async 'auth-floor'() {
    const alice = (await peerDirectory()).get('alice')!
    const server = newServer()
    server.ext('onRequest', (_request, h) => h.continue)
    server.auth.scheme('floor', () => ({ authenticate: (_request, h) => h.authenticated({ credentials: { user: alice } }) }))
    server.auth.strategy('floor', 'floor')
    server.route({
      method: 'GET',
      path: benchPath,
      options: { auth: 'floor' },
      handler: (request, h) => h.response(body((request.auth.credentials as { user: User }).user, request.info.host)).type(jsonType),
    })
    return listen(server, null)
  },
  /** Portcullis, alice's API token, audit on. */
  token: () => portcullis({}, (token) => token),
  /** Portcullis, the RS256 JWT at first sight: `jwt.cacheSeconds: 0`. */
  'jwt-nocache': (setup) => portcullis(jwtConfig(setup, 0), () => jwtAuthorization(setup)),
  /** hapi-auth-jwt2, RS256 (it keeps no verified-token cache). */
  async 'hapi-auth-jwt2'(setup) {
    const users = await peerDirectory()
    const server = newServer()
    await server.register(hapiAuthJwt2)
    server.auth.strategy('jwt', 'jwt', {
      key: setup.jwt.publicKey,
      validate: (decoded: unknown) => {
        const user = userOf(users, decoded)
        return user ? { isValid: true, credentials: { user } } : { isValid: false }
      },
      verifyOptions: { algorithms: ['RS256'], issuer: setup.jwt.issuer },
    })
    server.auth.default('jwt')
    server.route({
      method: 'GET',
      path: benchPath,
      handler: (request, h) => h.response(body((request.auth.credentials as { user: User }).user, request.info.host)).type(jsonType),
    })
    return listen(server, jwtAuthorization(setup))
  },
} satisfies Record<string, Variant>
