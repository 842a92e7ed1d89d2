/**
 * The suites of bench/http.ts: which servers run side by side, which is the baseline, and
 * which ratios the open issues set as targets.
 */
import type { ServerModule, VariantName } from '../servers/modules.ts'

export const suiteNames = ['node', 'jwt', 'hapi', 'koa', 'deno', 'stores'] as const
export type SuiteName = (typeof suiteNames)[number]

/** One server of a suite: a row of its table. */
export type ServerSpec = {
  [M in ServerModule]: {
    /** The row's name. */
    readonly id: string
    readonly module: M
    readonly variant: VariantName<M>
    /** What the row measures, for the table. */
    readonly what: string
  }
}[ServerModule]

/** A ratio of two servers reported in a column of its own: a target, or figures only. */
export interface Comparison {
  readonly subject: string
  readonly reference: string
  /** The column heading; comparisons with the same heading share a column. */
  readonly heading: string
  /**
   * The target for subject / reference, on req/s and on server CPU per request (reference
   * CPU / subject CPU); `strictly` for "ahead of". Unset: the ratios only.
   */
  readonly target?: { readonly atLeast: number; readonly strictly?: boolean }
}

export interface Suite {
  readonly name: SuiteName
  /** The table's heading. */
  readonly title: string
  /** Its servers; the one with id {@link baselineId} is the baseline the `vs bare` columns divide by. */
  readonly servers: readonly ServerSpec[]
  /**
   * The server whose Authorization header the unauthenticated servers receive too (they
   * ignore it), so that their requests are the same as the authenticated ones they are set against.
   */
  readonly headerFrom: string
  readonly comparisons: readonly Comparison[]
  /** What the suite's servers need made (and removed) by the parent, besides the run's JWT key pair and token. */
  readonly needs: { readonly sqlite?: true; readonly redis?: true }
  /** A line under the table: how to read it. */
  readonly note?: string
}

/** Every suite's baseline row. */
export const baselineId = 'bare'

/** The suites; `noaudit` adds the node suite's audit-off attribution row. */
export function suites(options: { readonly noaudit: boolean }): Readonly<Record<SuiteName, Suite>> {
  const all = defineSuites(options)
  for (const suite of Object.values(all)) {
    const ids = new Set(suite.servers.map((s) => s.id))
    const named = [baselineId, suite.headerFrom, ...suite.comparisons.flatMap((c) => [c.subject, c.reference])]
    const unknown = named.filter((id) => !ids.has(id))
    if (unknown.length || ids.size !== suite.servers.length) throw new TypeError(`suite ${suite.name}: unknown or repeated server ids ${unknown.join(', ')}`)
  }
  return all
}

function defineSuites(options: { readonly noaudit: boolean }): Readonly<Record<SuiteName, Suite>> {
  return {
    node: {
      name: 'node',
      title: 'HTTP: GET /rest/api/2/myself, valid Bearer API token',
      servers: [
        { id: 'bare', module: 'node', variant: 'bare', what: 'node:http + demoRoutes, fixed user, no auth' },
        { id: 'portcullis', module: 'node', variant: 'token', what: 'withPortcullis + demoRoutes, Bearer API token, audit on (memory)' },
        ...(options.noaudit ? [{ id: 'portcullis-noaudit', module: 'node', variant: 'token-noaudit', what: 'the same, audit off (attribution only)' } as const] : []),
      ],
      headerFrom: 'portcullis',
      comparisons: [{ subject: 'portcullis', reference: 'bare', heading: 'target (>= 75% of bare)', target: { atLeast: 0.75 } }],
      needs: {},
    },
    jwt: {
      name: 'jwt',
      title: 'HTTP (issue 4): GET /rest/api/2/myself, the same RS256 JWT on every request, verified-token caches on',
      servers: [
        { id: 'bare', module: 'node', variant: 'bare', what: 'node:http + demoRoutes, fixed user, no auth' },
        { id: 'portcullis-jwt', module: 'node', variant: 'jwt-cached', what: 'withPortcullis + demoRoutes, RS256 JWT, default jwt.cacheSeconds (cache on), audit on (memory)' },
        { id: '@fastify/jwt', module: 'fastify', variant: 'jwt-cached', what: 'fastify + @fastify/jwt onRequest jwtVerify(), RS256, verify.cache on' },
        { id: 'fastify', module: 'fastify', variant: 'bare', what: 'bare fastify, fixed user, no auth (reference)' },
      ],
      headerFrom: 'portcullis-jwt',
      comparisons: [
        { subject: 'portcullis-jwt', reference: 'bare', heading: 'target (cached JWT >= 50% of bare)', target: { atLeast: 0.5 } },
        { subject: 'portcullis-jwt', reference: '@fastify/jwt', heading: 'target (cached JWT ahead of @fastify/jwt cached)', target: { atLeast: 1, strictly: true } },
        { subject: '@fastify/jwt', reference: 'fastify', heading: 'vs bare fastify' },
      ],
      needs: {},
    },
    hapi: {
      name: 'hapi',
      title: 'HTTP (issue 6): Hapi 21, GET /rest/api/2/myself',
      servers: [
        { id: 'bare', module: 'hapi', variant: 'bare', what: 'bare Hapi route, fixed user, no auth' },
        { id: 'auth-floor', module: 'hapi', variant: 'auth-floor', what: 'Hapi auth lifecycle alone: onRequest extension + a scheme authenticating at once (reference)' },
        { id: 'portcullis-token', module: 'hapi', variant: 'token', what: 'Portcullis plugin, Bearer API token, audit on (memory)' },
        { id: 'portcullis-jwt', module: 'hapi', variant: 'jwt-nocache', what: 'Portcullis plugin, RS256 JWT at first sight (jwt.cacheSeconds 0), nodeSignatureCheck' },
        { id: 'hapi-auth-jwt2', module: 'hapi', variant: 'hapi-auth-jwt2', what: 'hapi-auth-jwt2, RS256 (no cache)' },
      ],
      headerFrom: 'portcullis-token',
      comparisons: [
        { subject: 'portcullis-token', reference: 'bare', heading: 'target (API token >= 80% of bare Hapi)', target: { atLeast: 0.8 } },
        { subject: 'portcullis-token', reference: 'auth-floor', heading: 'vs the auth lifecycle alone' },
        { subject: 'portcullis-jwt', reference: 'hapi-auth-jwt2', heading: 'target (RS256 first sight >= 3x hapi-auth-jwt2)', target: { atLeast: 3 } },
      ],
      needs: {},
    },
    koa: {
      name: 'koa',
      title: 'HTTP (issue 6): Koa 3, GET /rest/api/2/myself',
      servers: [
        { id: 'bare', module: 'koa', variant: 'bare', what: 'bare Koa middleware, fixed user, no auth' },
        { id: 'portcullis-token', module: 'koa', variant: 'token', what: 'portcullisKoa, Bearer API token, audit on (memory)' },
        { id: 'portcullis-jwt', module: 'koa', variant: 'jwt-nocache', what: 'portcullisKoa, RS256 JWT at first sight (jwt.cacheSeconds 0), nodeSignatureCheck' },
        { id: 'koa-jwt', module: 'koa', variant: 'koa-jwt', what: 'koa-jwt, RS256 (no cache)' },
      ],
      headerFrom: 'portcullis-token',
      comparisons: [
        { subject: 'portcullis-token', reference: 'bare', heading: 'target (API token >= 80% of bare Koa)', target: { atLeast: 0.8 } },
        { subject: 'portcullis-jwt', reference: 'koa-jwt', heading: 'target (RS256 first sight >= 3x koa-jwt)', target: { atLeast: 3 } },
      ],
      needs: {},
    },
    deno: {
      name: 'deno',
      title: 'HTTP (issue 6): Deno.serve under the deno binary, GET /rest/api/2/myself',
      servers: [
        { id: 'bare', module: 'deno', variant: 'bare', what: 'bare Deno.serve, fixed user, no auth' },
        { id: 'portcullis-token', module: 'deno', variant: 'token', what: 'Deno adapter, Bearer API token, audit on (memory)' },
        { id: 'portcullis-jwt', module: 'deno', variant: 'jwt-nocache', what: 'Deno adapter, RS256 JWT at first sight (jwt.cacheSeconds 0), jose (WebCrypto)' },
      ],
      headerFrom: 'portcullis-token',
      comparisons: [{ subject: 'portcullis-token', reference: 'bare', heading: 'target (API token >= 80% of bare Deno.serve)', target: { atLeast: 0.8 } }],
      needs: {},
    },
    stores: {
      name: 'stores',
      title: 'HTTP (issue 5): GET /rest/api/2/myself through the Node adapter on each store, rate limit and audit on',
      servers: [
        { id: 'bare', module: 'node', variant: 'bare', what: 'node:http + demoRoutes, fixed user, no auth' },
        { id: 'memory', module: 'node-stores', variant: 'memory', what: 'withPortcullis + demoRoutes, memory stores, Bearer API token' },
        { id: 'sqlite', module: 'node-stores', variant: 'sqlite', what: 'the same on SQLite (better-sqlite3, a temporary file)' },
        { id: 'redis', module: 'node-stores', variant: 'redis', what: 'the same on Redis 127.0.0.1:6379 (ioredis, redisClientOptions(), own key prefix)' },
      ],
      headerFrom: 'memory',
      comparisons: [
        { subject: 'sqlite', reference: 'memory', heading: 'vs memory' },
        { subject: 'redis', reference: 'memory', heading: 'vs memory' },
      ],
      needs: { sqlite: true, redis: true },
      note:
        "Rate limit: 100,000 requests per 1-second window per token, a limit no run reaches, so every request makes the store's rate-limit call and still gets its 200. " +
        "redis-server is not pinned: its CPU time is not in the server's CPU per request but in the other processes' figure, and it competes for the two CPUs.",
    },
  }
}
