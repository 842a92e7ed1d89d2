import { configDefaults, defineConfig } from 'vitest/config'

// .ci/run sets PORTCULLIS_REPORT_DIR to collect pass/fail counts from the JSON reporter.
const reportDir = process.env.PORTCULLIS_REPORT_DIR

export default defineConfig({
  test: {
    include: ['{core,storage,adapters,conformance,demo,docs}/**/*.test.ts'],
    // `*.deno.test.ts` need Deno's built-ins (node:sqlite); `npm run test:deno` runs them.
    exclude: [...configDefaults.exclude, '**/*.deno.test.ts'],
    testTimeout: 20_000,
    ...(reportDir && { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/vitest.json` } }),
  },
})
