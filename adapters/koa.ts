/**
 * Koa adapter: a middleware that translates the context to the engine and its outcome
 * back. No authentication rule lives here.
 */
import type { Middleware, Next, ParameterizedContext } from 'koa'
import { isThenable, type Allow, type Outcome, type Portcullis, type User } from '../core/index.ts'
import { toAuthRequest } from './node-request.ts'

/**
 * What the middleware puts on `ctx.state` for an allowed request (nothing for a passed one).
 *
 * @example
 * ```ts
 * const app = new Koa<PortcullisState>() // ctx.state.user is typed in every middleware
 * ```
 */
export interface PortcullisState {
  /** The allow decision: user, method, token id, audit record. */
  portcullis?: Allow
  /** The authenticated user (`ctx.state.portcullis.user`). */
  user?: User
}

/**
 * Koa middleware. Allowed: the decision lands on `ctx.state.portcullis`, the user on
 * `ctx.state.user`, the engine's headers (RateLimit) on the response, and the next
 * middleware runs. Passed: the next middleware runs with neither. Refused, and every
 * answer of the token management API: the exact status, headers and body, and the chain
 * stops. Mount it before any body parser: the token API reads the raw body.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { createPortcullis } from 'portcullis'
 * import { portcullisKoa, type PortcullisState } from 'portcullis/koa'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * const app = new Koa<PortcullisState>()
 * app.use(portcullisKoa(portcullis))
 * app.use((ctx) => {
 *   ctx.body = { user: ctx.state.user?.username ?? null }
 * })
 * app.listen(3000, '127.0.0.1')
 * ```
 */
export function portcullisKoa(engine: Portcullis): Middleware<PortcullisState> {
  return function portcullis(ctx, next) {
    // originalUrl: the target as the client sent it, even where mounting rewrote ctx.url.
    const outcome = engine.handle(toAuthRequest(ctx.req, ctx.originalUrl))
    // Synchronous stores give the outcome at once: no extra promise before the next middleware.
    return isThenable(outcome) ? outcome.then((answer) => proceed(ctx, next, answer)) : proceed(ctx, next, outcome)
  }
}

function proceed(ctx: ParameterizedContext<PortcullisState>, next: Next, outcome: Outcome): Promise<unknown> | undefined {
  if (outcome.kind === 'pass') return next()
  for (const name in outcome.headers) ctx.set(name, outcome.headers[name]!)
  if (outcome.kind === 'allow') {
    ctx.state.portcullis = outcome
    ctx.state.user = outcome.user
    return next()
  }
  ctx.status = outcome.status
  ctx.body = outcome.body
  return undefined
}
