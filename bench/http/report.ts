/**
 * A suite's markdown report: the table (medians, ratios to the baseline, each comparison's
 * column and verdict), the machine's load, the quiet rounds and the CPU check.
 */
import { fmt, median, pct } from '../stats.ts'
import type { Run } from './processes.ts'
import { baselineId, type Comparison, type Suite } from './suites.ts'

export interface ReportInput {
  readonly suite: Suite
  /** Runs by server id, one per round, in round order. */
  readonly runs: ReadonlyMap<string, readonly Run[]>
  readonly command: string
  /** The runtimes, "Node v20.20.2" or "Node v20.20.2, Deno 2.9.6". */
  readonly runtimes: string
  readonly cpus: number
  readonly pinned: boolean
  readonly connections: number
  readonly rounds: number
  readonly seconds: number
  readonly warmupSeconds: number
  readonly loadBefore: string
  readonly loadAfter: string
  /** The CPU-independence figures, before and after the rounds (empty without pinning). */
  readonly independence: readonly number[]
}

/** The lines of a suite's report. */
export function report(input: ReportInput): string[] {
  const { suite, runs } = input
  const lines: string[] = []
  const of = (id: string) => runs.get(id)!
  const rpsMedian = (id: string) => median(of(id).map((x) => x.rps))
  const cpuMedian = (id: string) => median(of(id).map((x) => x.cpuPerRequest))
  const headings = [...new Set(suite.comparisons.map((c) => c.heading))]

  lines.push(`\n## ${suite.title}\n`)
  lines.push(`Command: \`${input.command}\``)
  lines.push(
    `${input.runtimes}, ${input.cpus} CPUs; ${input.pinned ? 'servers pinned to CPU 0 and autocannon to CPU 1 with taskset' : 'no CPU pinning'}; ` +
      `autocannon ${input.connections} connections, ${input.rounds} interleaved runs x ${input.seconds}s after ${input.warmupSeconds}s warm-up per server; every response 200.\n`,
  )
  lines.push(
    '| server | what | median req/s | min | max | mean / p99 latency (ms) | server CPU per request (us) | server CPU use | req/s vs bare (medians) | median of per-round req/s ratios | CPU-bound share (bare CPU / this CPU) |' +
      headings.map((h) => ` ${h} |`).join(''),
  )
  lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|${headings.map(() => '---|').join('')}`)
  const bareRuns = of(baselineId)
  for (const server of suite.servers) {
    const xs = of(server.id)
    const rps = xs.map((x) => x.rps)
    const m = median(rps)
    const cpu = cpuMedian(server.id)
    const isBare = server.id === baselineId
    const perRound = median(xs.map((x, i) => x.rps / bareRuns[i]!.rps))
    const cells = headings.map((h) => {
      const c = suite.comparisons.find((x) => x.heading === h && x.subject === server.id)
      return c ? ` ${comparisonCell(c, rpsMedian(c.subject) / rpsMedian(c.reference), cpuMedian(c.reference) / cpuMedian(c.subject))} |` : '  |'
    })
    lines.push(
      `| ${server.id} | ${server.what} | ${fmt(m)} | ${fmt(Math.min(...rps))} | ${fmt(Math.max(...rps))} | ` +
        `${median(xs.map((x) => x.mean)).toFixed(2)} / ${median(xs.map((x) => x.p99))} | ${cpu.toFixed(1)} | ${pct(median(xs.map((x) => x.utilisation)))} | ` +
        `${isBare ? '100%' : pct(m / rpsMedian(baselineId))} | ${isBare ? '100%' : pct(perRound)} | ${isBare ? '100%' : pct(cpuMedian(baselineId) / cpu)} |` +
        cells.join(''),
    )
  }
  if (suite.note) lines.push(`\n${suite.note}`)

  const foreign = [...runs.values()].flat().map((x) => x.foreign).filter((x) => x !== undefined)
  lines.push(
    `\nMachine: load average ${input.loadBefore} before, ${input.loadAfter} after` +
      (foreign.length
        ? `; processes other than the server, autocannon and this script used ${median(foreign).toFixed(2)} CPU (median of runs, max ${Math.max(...foreign).toFixed(2)}) while it ran.`
        : '.'),
  )
  if (foreign.length) lines.push(...quietRounds(suite.comparisons, of, input.rounds))
  if (input.independence.length) {
    const shared = input.independence.some((x) => x < 0.8)
    lines.push(
      `CPU check (before and after the rounds): two busy loops pinned to CPU 0 and CPU 1 at once got ${input.independence.map((x) => x.toFixed(2)).join(', ')} CPU-seconds per second` +
        (shared
          ? ': the two CPUs did not both run at full speed (other load, or vCPUs sharing a host core), so autocannon can take CPU from the server despite pinning and req/s understates both servers (bare more, as its load generator works harder). The CPU-bound share (server CPU per request) is then the better estimate of the ratio on a dedicated core; a guest clock may still count stolen time, so treat both with care.'
          : ': the CPUs are independent; req/s ratio and CPU-bound share should agree.'),
    )
  }
  // A baseline short of its CPU while the rest of the machine was quiet: the load generator set its pace.
  const bareUse = median(bareRuns.map((x) => x.utilisation))
  const bareForeign = bareRuns.map((x) => x.foreign).filter((x) => x !== undefined)
  if (bareUse < 0.9 && bareForeign.length === bareRuns.length && median(bareForeign) < 0.25) {
    lines.push(
      `The baseline used only ${pct(bareUse)} of its CPU while other processes were quiet: its one autocannon process, not the server, set the pace, so the req/s ratios flatter the other servers; the CPU-bound share is the better measure here.`,
    )
  }
  return lines
}

/**
 * A comparison's cell on its subject's row. Against the baseline the ratios are in the
 * `vs bare` columns already, so a target shows its verdicts only; against another server
 * it shows the ratios too: req/s (subject / reference) and CPU (reference CPU / subject CPU).
 */
function comparisonCell(c: Comparison, rps: number, cpu: number): string {
  const ratio = (r: number) => ratioText(c, r)
  if (!c.target) return `req/s ${ratio(rps)}; CPU ${ratio(cpu)}`
  const { atLeast, strictly } = c.target
  const verdict = (r: number) => ((strictly ? r > atLeast : r >= atLeast) ? 'met' : '**not met**')
  if (c.reference === baselineId) return `req/s: ${verdict(rps)}; CPU: ${verdict(cpu)}`
  return `req/s ${ratio(rps)}: ${verdict(rps)}; CPU ${ratio(cpu)}: ${verdict(cpu)}`
}

/** A comparison's ratio: "3.41x" where its target is a multiple, "92.1%" otherwise. */
const ratioText = (c: Comparison, r: number): string => (c.target !== undefined && c.target.atLeast > 1 ? `${r.toFixed(2)}x` : pct(r))

/** Per comparison, its ratio in the rounds where the rest of the machine stayed quiet on both sides. */
function quietRounds(comparisons: readonly Comparison[], of: (id: string) => readonly Run[], rounds: number): string[] {
  const quiet = comparisons.map((c) => {
    const reference = of(c.reference)
    return of(c.subject).flatMap((s, i) => {
      const r = reference[i]!
      return s.foreign !== undefined && r.foreign !== undefined && s.foreign < 0.25 && r.foreign < 0.25 ? [s.rps / r.rps] : []
    })
  })
  if (quiet.every((q) => q.length === 0)) return ['No round was quiet (other processes >= 0.25 CPU in every round): the figures above carry that load.']
  return comparisons.map((c, i) => {
    const q = quiet[i]!
    return q.length
      ? `Quiet rounds (other processes < 0.25 CPU during both runs): ${q.length} of ${rounds}; ${c.subject} / ${c.reference} per quiet round: ${q.map((r) => ratioText(c, r)).join(', ')} (median ${ratioText(c, median(q))}).`
      : `Quiet rounds for ${c.subject} / ${c.reference}: none of ${rounds}.`
  })
}
