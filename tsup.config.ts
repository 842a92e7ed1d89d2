import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    'core/index': 'core/index.ts',
    'adapters/node': 'adapters/node.ts',
    'adapters/hapi': 'adapters/hapi.ts',
    'adapters/koa': 'adapters/koa.ts',
    'adapters/fetch': 'adapters/fetch.ts',
    'adapters/deno': 'adapters/deno.ts',
    'storage/memory/index': 'storage/memory/index.ts',
    'storage/sqlite/index': 'storage/sqlite/index.ts',
    'storage/sqlite/better-sqlite3': 'storage/sqlite/better-sqlite3.ts',
    'storage/sqlite/node-sqlite': 'storage/sqlite/node-sqlite.ts',
    'storage/redis/index': 'storage/redis/index.ts',
    'storage/contract': 'storage/contract.ts',
    'conformance/index': 'conformance/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  // import.meta.url in the CommonJS build (the better-sqlite3 driver resolves its library from it).
  shims: true,
  // Keep `node:` on built-in imports: Deno resolves built-ins only with it, and some exist
  // only under it (`node:sqlite`, which tsup's default would turn into a package "sqlite").
  removeNodeProtocol: false,
  // Peer dependencies, loaded from the host's node_modules (tsup leaves peers out anyway).
  external: ['better-sqlite3', 'ioredis', 'vitest'],
})
