/**
 * Generates the API reference (docs/api/, not committed) from the TSDoc of the package's
 * public entry points with TypeDoc, typedoc-plugin-markdown and typedoc-vitepress-theme.
 *
 * The entry points are read from package.json "exports" (each `./dist/<p>.d.ts` comes from
 * `<p>.ts`, as tsup.config.ts builds it), and each module is named by the specifier a
 * reader imports (`portcullis/node`), in the order of "exports". Nothing is listed by hand,
 * so a new export shows up here by itself.
 *
 *   node --import tsx docs/typedoc.ts
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Application, Converter, ReflectionKind } from 'typedoc'

const root = fileURLToPath(new URL('..', import.meta.url))

interface ExportTarget {
  import?: { types?: string }
}

/** The package's public modules: source entry file and import specifier, in "exports" order. */
export function publicModules(): { source: string; specifier: string; name: string }[] {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { name: string; exports: Record<string, ExportTarget | string> }
  const modules = []
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'object' ? target.import?.types : undefined
    const built = types === undefined ? null : /^\.\/dist\/(.+)\.d\.ts$/.exec(types)
    if (!built) continue
    const source = `${built[1]}.ts`
    if (!existsSync(root + source)) throw new Error(`package.json exports ${subpath}: no source file ${source}`)
    // TypeDoc names a module by its path without the file extension and a trailing /index.
    modules.push({ source, specifier: pkg.name + subpath.slice(1), name: built[1]!.replace(/\/index$/, '') })
  }
  return modules
}

async function main(): Promise<number> {
  const modules = publicModules()
  const out = `${root}docs/api`
  rmSync(out, { recursive: true, force: true })
  const app = await Application.bootstrapWithPlugins({
    entryPoints: modules.map((m) => root + m.source),
    sortEntryPoints: false,
    // The published sources only: the API reference must not depend on tests or benchmarks compiling.
    tsconfig: `${root}docs/tsconfig.typedoc.json`,
    out,
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    // Options of typedoc-vitepress-theme: the VitePress root, and a readable sidebar file.
    docsRoot: `${root}docs`,
    sidebar: { pretty: true },
    name: 'API reference',
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    // No public repository URL to link sources to; "Defined in" would be a broken link.
    disableSources: true,
    sort: ['source-order'],
  } as Parameters<typeof Application.bootstrapWithPlugins>[0])

  const names = new Map(modules.map((m) => [m.name, m.specifier]))
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const specifier = names.get(module.name)
      if (specifier === undefined) app.logger.error(`docs/typedoc.ts: module ${module.name} is not a package export`)
      else module.name = specifier
    }
  })

  const project = await app.convert()
  if (!project || app.logger.hasErrors()) return 1
  // As the CLI does: warns of links and types the reference cannot resolve (warnings do not fail the build).
  app.validate(project)
  await app.generateOutputs(project)
  return app.logger.hasErrors() ? 1 : 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main()
