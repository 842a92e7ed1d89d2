/**
 * Deno adapter: the fetch adapter with the client address taken from `Deno.serve`'s
 * connection info. Web APIs only, so it runs on Deno Deploy. Translation only.
 */
import type { Allow, Portcullis } from '../core/index.ts'
import { withPortcullis as withPortcullisFetch } from './fetch.ts'

/**
 * The part of `Deno.ServeHandlerInfo` the adapter reads (declared here so Node type-checks it too).
 *
 * @example
 * ```ts
 * const info: ServeHandlerInfo = { remoteAddr: { hostname: '203.0.113.9' } }
 * ```
 */
export interface ServeHandlerInfo {
  readonly remoteAddr: { readonly hostname: string }
}

/**
 * A `Deno.serve` handler that also receives the allow decision (`undefined` when the request passed).
 *
 * @example
 * ```ts
 * const hello: AuthenticatedDenoHandler = (request, auth) => new Response(auth ? auth.user.username : 'public')
 * ```
 */
export type AuthenticatedDenoHandler = (request: Request, auth: Allow | undefined, info: ServeHandlerInfo) => Response | Promise<Response>

/**
 * Wraps a `Deno.serve` handler. The client address is `info.remoteAddr.hostname` (the TCP
 * peer; configure `network.trustedProxies` to read a forwarded address behind a proxy).
 *
 * @example
 * ```ts
 * import { createPortcullis } from 'portcullis'
 * import { withPortcullis } from 'portcullis/deno'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * Deno.serve({ hostname: '127.0.0.1', port: 3000 }, withPortcullis(portcullis, (request, auth) =>
 *   Response.json(auth ? { name: auth.user.username } : { name: null })))
 * ```
 */
export function withPortcullis(portcullis: Portcullis, handler: AuthenticatedDenoHandler): (request: Request, info: ServeHandlerInfo) => Response | Promise<Response> {
  return withPortcullisFetch(portcullis, handler, (_request, info: ServeHandlerInfo) => info.remoteAddr.hostname)
}
