/**
 * The benchmark's server modules by name, loaded on demand (a Deno server process never
 * loads the Node-only ones). Each exports `variants`: how to start each of its servers.
 */
export const serverModules = {
  node: () => import('./node.ts'),
  'node-stores': () => import('./node-stores.ts'),
  fastify: () => import('./fastify.ts'),
  hapi: () => import('./hapi.ts'),
  koa: () => import('./koa.ts'),
  deno: () => import('./deno.ts'),
}

export type ServerModule = keyof typeof serverModules
/** The variants of one module, by name. */
export type VariantName<M extends ServerModule> = keyof Awaited<ReturnType<(typeof serverModules)[M]>>['variants'] & string
/** Modules whose servers run under the deno binary; the others run under Node. */
export const denoModules: ReadonlySet<ServerModule> = new Set(['deno'])
