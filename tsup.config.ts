import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    'core/index': 'core/index.ts',
    'adapters/node': 'adapters/node.ts',
    'storage/memory/index': 'storage/memory/index.ts',
    'conformance/index': 'conformance/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
})
