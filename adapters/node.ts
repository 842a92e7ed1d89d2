/**
 * Node `http` adapter: translates `(req, res)` to the engine and its outcome back.
 * No authentication rule lives here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isThenable, type Allow, type Outcome, type Portcullis } from '../core/index.ts'
import { toAuthRequest } from './node-request.ts'

export { toAuthRequest }
export { nodeSignatureCheck } from './node-signature.ts'

/**
 * A Node handler that also receives the authenticated caller (`undefined` when the request passed).
 * What it returns is ignored, except a promise: its rejection destroys the response.
 *
 * @example
 * ```ts
 * const hello: AuthenticatedHandler = (req, res, auth) => res.end(auth ? auth.user.username : 'public')
 * ```
 */
export type AuthenticatedHandler = (req: IncomingMessage, res: ServerResponse, auth: Allow | undefined) => unknown

/**
 * Wraps a Node request handler with Portcullis.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createPortcullis } from 'portcullis'
 * import { withPortcullis } from 'portcullis/node'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * createServer(withPortcullis(portcullis, (req, res, auth) => {
 *   res.end(auth ? `hello ${auth.user.displayName}` : 'public')
 * })).listen(3000, '127.0.0.1')
 * ```
 */
export function withPortcullis(portcullis: Portcullis, handler: AuthenticatedHandler) {
  return function portcullisNode(req: IncomingMessage, res: ServerResponse): void {
    try {
      // Synchronous stores give the outcome at once: answer in this tick, without a promise.
      const outcome = portcullis.handle(toAuthRequest(req))
      const sent = isThenable(outcome) ? outcome.then((answer) => send(answer, req, res, handler)) : send(outcome, req, res, handler)
      // A handler may return anything (`res.end()` returns the response): only a promise is waited on.
      if (isThenable(sent)) sent.then(undefined, (error: unknown) => fail(res, error))
    } catch (error) {
      fail(res, error)
    }
  }
}

function send(outcome: Outcome, req: IncomingMessage, res: ServerResponse, handler: AuthenticatedHandler): unknown {
  if (outcome.kind === 'allow') {
    for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!)
    return handler(req, res, outcome)
  }
  if (outcome.kind === 'pass') return handler(req, res, undefined)
  for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!)
  res.setHeader('content-length', Buffer.byteLength(outcome.body))
  res.writeHead(outcome.status)
  res.end(outcome.body)
  return undefined
}

function fail(res: ServerResponse, error: unknown): void {
  res.destroy(error instanceof Error ? error : new Error(String(error)))
}
