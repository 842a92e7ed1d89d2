/**
 * Koa 3 servers: the route bare, behind portcullisKoa (API token; RS256 JWT with the
 * verified-token cache off, so every request verifies; `nodeSignatureCheck` from
 * portcullis/node, as on any Node server), and behind koa-jwt (RS256, the
 * run's public key, issuer checked; the user from `ctx.state.user`), as its README sets it up.
 */
import { createServer, type RequestListener } from 'node:http'
import Koa, { type Context } from 'koa'
import koaJwt from 'koa-jwt'
import { portcullisKoa, type PortcullisState } from '../../adapters/koa.ts'
import { nodeSignatureCheck } from '../../adapters/node.ts'
import type { ConfigInput, User } from '../../core/index.ts'
import { listen } from './node.ts'
import { benchPath, body, jsonType, jwtAuthorization, jwtConfig, memoryPortcullis, peerDirectory, userOf, type Started, type Variant } from './shared.ts'

/** Answers the route for `user`; other paths fall through to Koa's 404. */
function respond(ctx: Context, user: User | undefined): void {
  if (ctx.method !== 'GET' || ctx.path !== benchPath) return
  if (!user) return ctx.throw(401)
  ctx.type = jsonType
  ctx.body = body(user, ctx.headers.host)
}

const serve = (app: { callback(): RequestListener }, authorization: string | null) => listen(createServer(app.callback()), authorization)

/** The route behind portcullisKoa on memory stores. */
async function portcullis(config: ConfigInput, authorization: (token: string) => string): Promise<Started> {
  const { portcullis, tokenAuthorization } = await memoryPortcullis(config, { signatureCheck: nodeSignatureCheck })
  const app = new Koa<PortcullisState>()
  app.use(portcullisKoa(portcullis))
  app.use((ctx) => respond(ctx, ctx.state.user))
  return serve(app, authorization(tokenAuthorization))
}

export const variants = {
  /** The route on bare Koa, alice fixed, no authentication. */
  async bare() {
    const alice = (await peerDirectory()).get('alice')!
    const app = new Koa()
    app.use((ctx) => respond(ctx, alice))
    return serve(app, null)
  },
  /** portcullisKoa, alice's API token, audit on. */
  token: () => portcullis({}, (token) => token),
  /** portcullisKoa, the RS256 JWT at first sight: `jwt.cacheSeconds: 0`. */
  'jwt-nocache': (setup) => portcullis(jwtConfig(setup, 0), () => jwtAuthorization(setup)),
  /** koa-jwt, RS256 (jsonwebtoken underneath; no verified-token cache). */
  async 'koa-jwt'(setup) {
    const users = await peerDirectory()
    const app = new Koa()
    app.use(koaJwt({ secret: setup.jwt.publicKey, algorithms: ['RS256'], issuer: setup.jwt.issuer }))
    app.use((ctx) => respond(ctx, userOf(users, ctx.state.user)))
    return serve(app, jwtAuthorization(setup))
  },
} satisfies Record<string, Variant>
