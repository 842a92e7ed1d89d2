import { fixture as defaultFixture, type Fixture } from './fixture.ts'
import { send, type RawResponse } from './http.ts'
import { startProvider, withProviderUrl } from './provider-stub.ts'
import { scenarios as allScenarios } from './scenarios/index.ts'
import type { Scenario, StartServer } from './types.ts'

/** The outcome of one scenario. */
export interface ScenarioResult {
  readonly scenario: Scenario
  readonly passed: boolean
  /** What differed, one line each (empty when passed). */
  readonly problems: readonly string[]
  /** What came back, when anything did. */
  readonly actual?: RawResponse
}

/** The outcome of a run. */
export interface ConformanceReport {
  readonly passed: number
  readonly failed: number
  readonly results: readonly ScenarioResult[]
}

/** Options of {@link runConformance}. */
export interface RunOptions {
  /** Scenarios to run; all by default. */
  readonly scenarios?: readonly Scenario[]
  /** Seed data; the suite's fixture by default (scenarios assume it). */
  readonly fixture?: Fixture
}

/**
 * Runs one scenario: starts its stub identity provider if it has one, starts a fresh
 * server for its config (with the provider's URL filled in), sends its request over a
 * raw socket, compares status, headers and body to the byte, and closes both.
 */
export async function runScenario(start: StartServer, scenario: Scenario, fixture: Fixture = defaultFixture): Promise<ScenarioResult> {
  const provider = scenario.provider && (await startProvider(scenario.provider))
  try {
    const config = provider ? withProviderUrl(scenario.config ?? {}, provider.url) : (scenario.config ?? {})
    const server = await start({ config, fixture: scenario.unreachable ? { ...fixture, unreachable: scenario.unreachable } : fixture })
    try {
      for (const request of scenario.before ?? []) await send(server.url, request)
      const actual = await send(server.url, scenario.request)
      return { scenario, actual, ...verdict(scenario, actual) }
    } catch (error) {
      return { scenario, passed: false, problems: [`request failed: ${(error as Error).message}`] }
    } finally {
      await server.close()
    }
  } finally {
    await provider?.close()
  }
}

function verdict(scenario: Scenario, actual: RawResponse): { passed: boolean; problems: string[] } {
  const { expect } = scenario
  const problems: string[] = []
  if (actual.status !== expect.status) problems.push(`status: expected ${expect.status}, got ${actual.status}`)
  for (const [name, value] of Object.entries(expect.headers ?? {})) {
    if (actual.headers[name] !== value) problems.push(`header ${name}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual.headers[name] ?? null)}`)
  }
  for (const name of expect.absentHeaders ?? []) {
    if (name in actual.headers) problems.push(`header ${name}: expected absent, got ${JSON.stringify(actual.headers[name])}`)
  }
  if (typeof expect.body === 'string') {
    if (actual.body !== expect.body) problems.push(`body: expected ${expect.body}, got ${actual.body}`)
  } else {
    const problem = expect.body(actual.body)
    if (problem) problems.push(`body: ${problem}; got ${actual.body.slice(0, 300)}`)
  }
  return { passed: problems.length === 0, problems }
}

/**
 * Runs the conformance suite against an adapter, one scenario after another.
 *
 * @example
 * ```ts
 * import { runConformance, formatReport } from 'portcullis/conformance'
 * const report = await runConformance(startMyAdapter)
 * console.log(formatReport(report))
 * process.exitCode = report.failed ? 1 : 0
 * ```
 */
export async function runConformance(start: StartServer, options: RunOptions = {}): Promise<ConformanceReport> {
  const results: ScenarioResult[] = []
  for (const scenario of options.scenarios ?? allScenarios) results.push(await runScenario(start, scenario, options.fixture))
  const failed = results.filter((r) => !r.passed).length
  return { passed: results.length - failed, failed, results }
}

/** A readable report: one line per scenario, and for each failure what was expected and what came back. */
export function formatReport(report: ConformanceReport): string {
  const lines = report.results.map((r) => {
    const head = `${r.passed ? 'ok  ' : 'FAIL'} ${r.scenario.id}: ${r.scenario.title}`
    return r.passed ? head : [head, ...r.problems.map((p) => `       ${p}`)].join('\n')
  })
  lines.push(`${report.passed} passed, ${report.failed} failed`)
  return lines.join('\n')
}
