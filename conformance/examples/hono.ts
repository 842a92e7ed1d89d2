/**
 * An example adapter for Hono, written as an adapter author outside this repository would
 * write it: it uses only what the package exports. Outside the repository the imports
 * read `from 'portcullis'` and `from 'portcullis/fetch'` (whose `toAuthRequest` translates a
 * web `Request`); here they point at the same entry points' source.
 * `hono.conformance.test.ts` beside it runs the whole conformance suite against it.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { Allow, Portcullis } from '../../core/index.ts'
import { toAuthRequest } from '../../adapters/fetch.ts'

/** Hono variables the middleware sets: the allow decision (absent when the request passed). */
export type PortcullisEnv = { Variables: { portcullis?: Allow } }

/** What the middleware needs from the runtime, which a web `Request` does not carry. */
export interface Connection {
  /** The TCP peer's address: `getConnInfo(c).remote.address`, with your runtime's helper. */
  clientAddress(c: Context): string
  /** The request target as received, where the runtime resolved `c.req.url` but kept it (Node: `c.env.incoming.url`). */
  target?(c: Context): string
}

/**
 * Hono middleware.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { serve, type HttpBindings } from '@hono/node-server'
 * import { getConnInfo } from '@hono/node-server/conninfo'
 *
 * const app = new Hono<PortcullisEnv & { Bindings: HttpBindings }>()
 * app.use(portcullis(engine, { clientAddress: (c) => getConnInfo(c).remote.address ?? '', target: (c) => c.env.incoming.url ?? '/' }))
 * app.get('/rest/api/2/myself', (c) => c.json({ name: c.get('portcullis')?.user.username ?? null }))
 * serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 3000 })
 * ```
 */
export function portcullis(engine: Portcullis, connection: Connection): MiddlewareHandler<PortcullisEnv> {
  return async (c, next) => {
    const outcome = await engine.handle(toAuthRequest(c.req.raw, connection.clientAddress(c), connection.target?.(c)))
    if (outcome.kind === 'pass') return next()
    if (outcome.kind === 'deny' || outcome.kind === 'respond') {
      return new Response(outcome.body, { status: outcome.status, headers: outcome.headers })
    }
    c.set('portcullis', outcome)
    for (const name in outcome.headers) c.header(name, outcome.headers[name])
    await next()
  }
}
