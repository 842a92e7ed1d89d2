// node conformance.ts: the whole suite, one line per scenario
import { formatReport, runConformance, scenarios } from 'portcullis/conformance'
import { startNode } from './conformance-factory.ts'

const only = process.argv[2] // an id prefix, to work on a few scenarios: node conformance.ts ip-
const report = await runConformance(startNode, only ? { scenarios: scenarios.filter((s) => s.id.startsWith(only)) } : {})
console.log(formatReport(report))
process.exitCode = report.failed ? 1 : 0
