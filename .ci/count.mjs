// Sums the pass/fail counts of every suite .ci/run ran and prints "N passed, N failed".
import { existsSync, readFileSync } from 'node:fs'

const dir = process.argv[2]
let passed = 0
let failed = 0
const missing = []

const vitest = `${dir}/vitest.json`
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
} else missing.push('vitest')

// JUnit reports: Deno's tests, and the docs checks (npm run docs:check: the sample check and the browser test).
for (const name of ['deno', 'docs-samples', 'docs-site']) {
  const file = `${dir}/${name}.xml`
  if (!existsSync(file)) {
    missing.push(name)
    continue
  }
  const xml = readFileSync(file, 'utf8')
  const suite = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"(?:[^>]*\berrors="(\d+)")?/.exec(xml)
  if (suite) {
    const total = Number(suite[1])
    const bad = Number(suite[2]) + Number(suite[3] ?? 0)
    passed += total - bad
    failed += bad
  } else missing.push(`${name} (unreadable junit)`)
}

for (const name of ['smoke-esm', 'smoke-cjs', 'smoke-deno']) {
  const file = `${dir}/${name}.txt`
  const line = existsSync(file) ? /(\d+) passed, (\d+) failed/.exec(readFileSync(file, 'utf8')) : null
  if (line) {
    passed += Number(line[1])
    failed += Number(line[2])
  } else missing.push(name)
}

// A suite that produced no counts did not run: count it as a failure rather than hide it.
for (const name of missing) console.log(`no results from ${name}`)
failed += missing.length
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
