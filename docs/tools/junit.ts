/**
 * A minimal JUnit XML writer for the docs checks, so .ci/count.mjs counts them like the
 * other suites: one `<testcase>` per page or sample, a `<failure>` holding what went wrong.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** One check and, when it failed, why (one line per problem). */
export interface TestCase {
  readonly name: string
  readonly problems: readonly string[]
}

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')

/** The JUnit XML of one suite. */
export function junitXml(suite: string, cases: readonly TestCase[], seconds: number): string {
  const failures = cases.filter((c) => c.problems.length > 0).length
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
  ]
  for (const c of cases) {
    if (c.problems.length === 0) {
      lines.push(`    <testcase classname="${escape(suite)}" name="${escape(c.name)}"/>`)
    } else {
      lines.push(`    <testcase classname="${escape(suite)}" name="${escape(c.name)}">`)
      lines.push(`      <failure message="${escape(c.problems[0]!)}">${escape(c.problems.join('\n'))}</failure>`)
      lines.push('    </testcase>')
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '')
  return lines.join('\n')
}

/** Writes the report when `path` is given, prints a summary, and returns the number of failures. */
export function report(suite: string, cases: readonly TestCase[], seconds: number, path: string | undefined): number {
  const failed = cases.filter((c) => c.problems.length > 0)
  for (const c of failed) {
    console.error(`FAIL ${c.name}`)
    for (const problem of c.problems) console.error(`       ${problem}`)
  }
  console.log(`${suite}: ${cases.length - failed.length} passed, ${failed.length} failed`)
  if (path) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, junitXml(suite, cases, seconds))
  }
  return failed.length
}
