import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{core,storage,adapters,conformance,demo}/**/*.test.ts'],
    testTimeout: 20_000,
  },
})
