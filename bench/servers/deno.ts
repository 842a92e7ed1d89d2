/**
 * `Deno.serve` servers, for the deno binary only: the route bare, and behind the Deno
 * adapter on memory stores (better-sqlite3 does not load in Deno) with an API token or an
 * RS256 JWT at first sight (`jwt.cacheSeconds: 0`).
 */
import { withPortcullis, type ServeHandlerInfo } from '../../adapters/deno.ts'
import type { ConfigInput, User } from '../../core/index.ts'
import { benchPath, body, jsonType, jwtAuthorization, jwtConfig, memoryPortcullis, peerDirectory, type Started, type Variant } from './shared.ts'

/** The part of the Deno namespace used here (declared so that Node's tsc checks this file). */
declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen(addr: unknown): void },
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>,
  ): { readonly addr: { readonly port: number }; shutdown(): Promise<void> }
}

const notFound = () => new Response('{"error":"not found"}', { status: 404, headers: { 'content-type': jsonType } })

/** The route for `user`: a GET of the path only, as the other servers route it. */
function respond(request: Request, user: User): Response {
  const url = request.url
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2)).split('?', 1)[0]
  if (request.method !== 'GET' || path !== benchPath) return notFound()
  return new Response(body(user, request.headers.get('host')), { headers: { 'content-type': jsonType } })
}

function serve(handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>, authorization: string | null): Started {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, handler)
  return { port: server.addr.port, authorization, close: () => server.shutdown() }
}

/** The route behind the Deno adapter on memory stores. */
async function portcullis(config: ConfigInput, authorization: (token: string) => string): Promise<Started> {
  const { portcullis, tokenAuthorization } = await memoryPortcullis(config)
  return serve(withPortcullis(portcullis, (request, auth) => (auth ? respond(request, auth.user) : notFound())), authorization(tokenAuthorization))
}

export const variants = {
  /** The route on bare `Deno.serve`, alice fixed, no authentication. */
  async bare() {
    const alice = (await peerDirectory()).get('alice')!
    return serve((request) => respond(request, alice), null)
  },
  /** The Deno adapter, alice's API token, audit on. */
  token: () => portcullis({}, (token) => token),
  /** The Deno adapter, the RS256 JWT at first sight. */
  'jwt-nocache': (setup) => portcullis(jwtConfig(setup, 0), () => jwtAuthorization(setup)),
} satisfies Record<string, Variant>
