/**
 * Checks the docs' code samples. Every TypeScript sample the pages show is a file in
 * docs/samples/, included with VitePress's `<<< @/samples/<file>` (so a page shows exactly
 * the checked file), and this check proves, with one JUnit test case per sample:
 *
 * - it type-checks against the built package (`tsc -p docs/samples`: `portcullis`,
 *   `portcullis/node`… resolve through package.json "exports" to dist/, so run
 *   `npm run build` first);
 * - it is shown on a page (no orphans), and every `<<<` reference names an existing file;
 * - a configuration sample (`config-*.ts`) is also loaded: each of its exports passes
 *   `loadConfig` (a secret it reads from `process.env.NAME` gets a placeholder when unset);
 *
 * and, as one more case, that no hand-written page has a TypeScript or JavaScript code
 * block of its own (the two blocks of guides/conformance.md excepted: they are the
 * repository's conformance/examples files, which conformance/examples/guide-sample.test.ts
 * compares with the page).
 *
 *   node --import tsx docs/tools/check-samples.ts [--junit=<file>]
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ConfigError, loadConfig } from '../../core/index.ts'
import { report, type TestCase } from './junit.ts'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const docs = join(repo, 'docs')
const samplesDir = join(docs, 'samples')

/** Hand-written pages allowed inline TypeScript blocks, how many, and what checks them. */
const inlineAllowed: Record<string, { count: number; checkedBy: string }> = {
  'guides/conformance.md': { count: 2, checkedBy: 'conformance/examples/guide-sample.test.ts' },
}

/** The hand-written pages (the generated API reference and VitePress's own files left out). */
export function handWrittenPages(dir = docs): string[] {
  const pages: string[] = []
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      const rel = relative(dir, path).split(sep).join('/')
      if (entry.isDirectory()) {
        if (!['api', '.vitepress', 'node_modules', 'samples'].includes(rel)) walk(path)
      } else if (entry.name.endsWith('.md')) pages.push(rel)
    }
  }
  walk(dir)
  return pages.sort()
}

/** The sample files a page includes with `<<< @/samples/<file>` (a `#region` or `{lines}` suffix allowed). */
export function snippetReferences(markdown: string): string[] {
  return [...markdown.matchAll(/^ {0,3}<<<\s*@\/samples\/([^\s#{[]+)/gm)].map((m) => m[1]!)
}

/** Fenced code blocks in TypeScript or JavaScript. */
export function inlineScriptBlocks(markdown: string): number {
  return [...markdown.matchAll(/^\s*(`{3,}|~{3,})\s*(ts|typescript|tsx|js|javascript|jsx|mjs|cjs)\b/gm)].length
}

/** tsc's diagnostics, by file relative to the repository (continuation lines kept with their diagnostic). */
export function parseDiagnostics(output: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>()
  let last: string[] | undefined
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+: .*)$/.exec(line)
    if (match) {
      const file = match[1]!.replace(/\\/g, '/')
      last = byFile.get(file) ?? []
      byFile.set(file, last)
      last.push(`${file}:${match[2]}:${match[3]} ${match[5]}`)
    } else if (/^\s/.test(line) && line.trim() && last) {
      last[last.length - 1] += ` ${line.trim()}` // tsc indents the lines that continue a diagnostic
    } else if (line.trim()) {
      last = undefined
      byFile.set('', [...(byFile.get('') ?? []), line.trim()])
    }
  }
  return byFile
}

async function main(): Promise<number> {
  const junit = process.argv.find((a) => a.startsWith('--junit='))?.slice('--junit='.length)
  const started = Date.now()
  const cases: TestCase[] = []
  const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort()

  // Where each sample is shown, and what the pages get wrong.
  const shownOn = new Map<string, string[]>()
  const pageProblems: string[] = []
  for (const page of handWrittenPages()) {
    const text = readFileSync(join(docs, page), 'utf8')
    for (const file of snippetReferences(text)) {
      if (!samples.includes(file)) pageProblems.push(`${page}: includes @/samples/${file}, which does not exist`)
      shownOn.set(file, [...(shownOn.get(file) ?? []), page])
    }
    const inline = inlineScriptBlocks(text)
    const allowed = inlineAllowed[page]
    if (inline > (allowed?.count ?? 0)) {
      pageProblems.push(`${page}: ${inline} TypeScript/JavaScript code block(s) written in the page${allowed ? ` (${allowed.count} allowed, checked by ${allowed.checkedBy})` : ''}: move the code to docs/samples/ and include it with <<< @/samples/<file>`)
    }
  }
  cases.push({ name: 'pages show only checked code: inline TypeScript blocks and sample references', problems: pageProblems })

  // Type-check every sample against the built package.
  let diagnostics = new Map<string, string[]>()
  if (!existsSync(join(repo, 'dist/core/index.d.ts'))) {
    cases.push({ name: 'tsc -p docs/samples', problems: ['dist/ is missing: run npm run build first (the samples are checked against the built package)'] })
  } else {
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'docs/samples', '--pretty', 'false'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 300_000,
    })
    diagnostics = parseDiagnostics(`${tsc.stdout ?? ''}${tsc.stderr ?? ''}`)
    const elsewhere = [...diagnostics].filter(([file]) => !file.startsWith('docs/samples/') || !samples.includes(file.slice('docs/samples/'.length)))
    const problems = elsewhere.flatMap(([, lines]) => lines)
    if (tsc.error) problems.push(`tsc did not run: ${tsc.error.message}`)
    else if (tsc.status !== 0 && diagnostics.size === 0) problems.push(`tsc exited with ${tsc.status} and no diagnostics`)
    cases.push({ name: 'tsc -p docs/samples (diagnostics outside the samples)', problems })
  }

  for (const sample of samples) {
    const problems = [...(diagnostics.get(`docs/samples/${sample}`) ?? [])]
    if (!shownOn.has(sample)) problems.push(`docs/samples/${sample} is shown on no page: include it with <<< @/samples/${sample} or delete it`)
    if (sample.startsWith('config-')) {
      // Secrets come from the environment in the samples, as they should in a deployment.
      for (const [, name] of readFileSync(join(samplesDir, sample), 'utf8').matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        process.env[name!] ??= `placeholder-for-${name}`
      }
      try {
        const module = (await import(pathToFileURL(join(samplesDir, sample)).href)) as Record<string, unknown>
        const exported = Object.entries(module)
        if (exported.length === 0) problems.push(`docs/samples/${sample}: a configuration sample exports its configurations`)
        for (const [name, value] of exported) {
          try {
            loadConfig(value)
          } catch (error) {
            problems.push(`docs/samples/${sample}: export ${name} is refused by loadConfig: ${error instanceof ConfigError ? error.problems.map((p) => `${p.path}: ${p.message}`).join('; ') : (error as Error).message}`)
          }
        }
      } catch (error) {
        problems.push(`docs/samples/${sample}: cannot be loaded: ${(error as Error).message.split('\n')[0]}`)
      }
    }
    cases.push({ name: `docs/samples/${sample}${shownOn.has(sample) ? ` (${shownOn.get(sample)!.join(', ')})` : ''}`, problems })
  }

  return report('docs samples', cases, (Date.now() - started) / 1000, junit)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = (await main()) ? 1 : 0
