/**
 * `npm run docs:check`: the sample check, then the browser test of the built site, each in
 * its own process and each writing its JUnit report to $PORTCULLIS_REPORT_DIR when set
 * (.ci/run sets it, and .ci/count.mjs counts docs-samples.xml and docs-site.xml). Both run
 * even when the first fails; the exit status is non-zero when either does.
 *
 *   node --import tsx docs/tools/check.ts
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const reportDir = process.env.PORTCULLIS_REPORT_DIR

let failed = 0
for (const [script, reportName, timeoutMs] of [
  ['check-samples.ts', 'docs-samples.xml', 600_000],
  ['check-site.ts', 'docs-site.xml', 900_000],
] as const) {
  const args = ['--import', 'tsx', here(script), ...(reportDir ? [`--junit=${reportDir}/${reportName}`] : [])]
  // The scripts bound themselves; this bound is the last resort against a hung child.
  const child = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: timeoutMs, killSignal: 'SIGKILL' })
  if (child.status !== 0) {
    failed++
    console.error(`docs/tools/${script} failed${child.error ? `: ${child.error.message}` : ` (exit ${child.status ?? child.signal})`}`)
  }
}
process.exitCode = failed ? 1 : 0
