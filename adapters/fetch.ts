/**
 * Web-standard adapter: wraps a fetch handler (`Request` in, `Response` out) for Deno, Deno
 * Deploy, Bun, Workers. Web APIs only: nothing here needs a Node built-in. Translation only.
 */
import type { Allow, AuthRequest, Outcome, Portcullis } from '../core/index.ts'
import { isThenable, maxBodyBytes } from '../core/index.ts'

/**
 * A fetch handler that also receives the allow decision (`undefined` when the request passed).
 *
 * @example
 * ```ts
 * const hello: AuthenticatedFetchHandler<[]> = (request, auth) => new Response(auth ? auth.user.username : 'public')
 * ```
 */
export type AuthenticatedFetchHandler<Context extends unknown[]> = (request: Request, auth: Allow | undefined, ...context: Context) => Response | Promise<Response>

/**
 * Wraps a fetch handler. `clientAddress` reads the TCP peer's address from what the runtime
 * passes beside the request (a `Request` does not carry it). Refused requests and the token
 * management API get the exact status, headers and body; allowed ones run the handler and
 * get the engine's headers (RateLimit) on its response.
 *
 * @example
 * ```ts
 * import { createPortcullis } from 'portcullis'
 * import { withPortcullis } from 'portcullis/fetch'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * Bun.serve({ // Bun passes its server beside the request; it knows the peer
 *   fetch: withPortcullis(portcullis, (request, auth) => Response.json({ user: auth?.user.username ?? null }),
 *     (request, server: Bun.Server) => server.requestIP(request)?.address ?? ''),
 * })
 * ```
 */
export function withPortcullis<Context extends unknown[]>(
  portcullis: Portcullis,
  handler: AuthenticatedFetchHandler<Context>,
  clientAddress: (request: Request, ...context: Context) => string,
): (request: Request, ...context: Context) => Response | Promise<Response> {
  const respond = (outcome: Outcome, request: Request, context: Context): Response | Promise<Response> => {
    if (outcome.kind === 'pass') return handler(request, undefined, ...context)
    if (outcome.kind !== 'allow') return new Response(outcome.body, { status: outcome.status, headers: outcome.headers })
    const response = handler(request, outcome, ...context)
    return isThenable(response) ? response.then((answer) => withHeaders(answer, outcome.headers)) : withHeaders(response, outcome.headers)
  }
  return function portcullisFetch(request, ...context) {
    // Synchronous stores give the outcome at once: no promise unless the handler makes one.
    const outcome = portcullis.handle(toAuthRequest(request, clientAddress(request, ...context)))
    return isThenable(outcome) ? outcome.then((answer) => respond(answer, request, context)) : respond(outcome, request, context)
  }
}

/** The handler's response with the engine's headers (RateLimit). */
function withHeaders(response: Response, headers: Readonly<Record<string, string>>): Response {
  let out = response
  for (const name in headers) {
    try {
      out.headers.set(name, headers[name]!)
    } catch { // immutable headers (a fetched Response, Response.redirect): answer a copy
      out = new Response(out.body, out)
      out.headers.set(name, headers[name]!)
    }
  }
  return out
}

/**
 * The engine's request of a web `Request`: its `Headers` already join repeats with ", ";
 * the body is read up to {@link maxBodyBytes} and decoded as strict UTF-8. The target is the
 * path and query of `request.url`, which Deno keeps as received; pass `target` where the
 * runtime resolved it already (@hono/node-server resolves dot segments) but keeps the original.
 *
 * @example
 * ```ts
 * const outcome = await portcullis.handle(toAuthRequest(request, '203.0.113.9'))
 * ```
 */
export function toAuthRequest(request: Request, peer: string, target?: string): AuthRequest {
  const url = request.url
  const path = url.indexOf('/', url.indexOf('//') + 2)
  target ??= path === -1 ? '/' : url.slice(path)
  return { method: request.method, target, headers: request.headers, peer, body: () => readBody(request) }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

async function readBody(request: Request): Promise<string> {
  if (!request.body) return ''
  const reader = request.body.getReader()
  const bytes = new Uint8Array(maxBodyBytes)
  let size = 0
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    if (size + read.value.byteLength > maxBodyBytes) {
      await reader.cancel()
      throw new RangeError(`body: larger than ${maxBodyBytes} bytes`)
    }
    bytes.set(read.value, size)
    size += read.value.byteLength
  }
  return utf8.decode(bytes.subarray(0, size))
}
