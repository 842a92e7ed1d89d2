import { configDefaults, defineConfig } from 'vitest/config'

// .ci/run sets PORTCULLIS_REPORT_DIR to collect pass/fail counts from the JSON reporter.
const reportDir = process.env.PORTCULLIS_REPORT_DIR

export default defineConfig({
  test: {
    include: ['{core,storage,adapters,conformance,demo,docs}/**/*.test.ts'],
    // `*.deno.test.ts` need Deno's built-ins (node:sqlite); `npm run test:deno` runs them.
    // Under docs/, only the tooling's tests: not the samples, the generated API pages or VitePress's build and cache.
    exclude: [...configDefaults.exclude, '**/*.deno.test.ts', 'docs/samples/**', 'docs/api/**', 'docs/.vitepress/**'],
    testTimeout: 20_000,
    ...(reportDir && { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/vitest.json` } }),
  },
})
