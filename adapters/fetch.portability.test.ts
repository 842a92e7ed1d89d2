import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Our own modules an entry point loads under Deno, from deno's view of the module graph. */
function localGraph(entry: string): string[] {
  const info = JSON.parse(execFileSync(`${root}node_modules/.bin/deno`, ['info', '--json', '--config', 'deno.json', entry], { cwd: root, encoding: 'utf8' })) as {
    modules: { specifier: string }[]
  }
  return info.modules.map((m) => m.specifier).filter((s) => s.startsWith('file://') && !s.includes('/node_modules/')).map((s) => fileURLToPath(s))
}

/** Node-only things a module uses: `node:` imports, `Buffer`, `process` (comments and property names ignored). */
function nodeOnly(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    const specifier = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier
      : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword ? node.arguments[0]
      : undefined
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('node:')) found.push(specifier.text)
    if (ts.isIdentifier(node) && (node.text === 'Buffer' || node.text === 'process')) {
      const parent = node.parent
      const isName = (ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node
      if (!isName) found.push(node.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found.map((what) => `${file.slice(root.length)}: ${what}`)
}

describe('fetch and deno adapters: web APIs only on the import path', () => {
  for (const entry of ['adapters/fetch.ts', 'adapters/deno.ts']) {
    it(`${entry} loads no module that needs a Node built-in, Buffer or process`, () => {
      const files = localGraph(entry)
      expect(files.length).toBeGreaterThan(10)
      expect(files.flatMap(nodeOnly)).toEqual([])
    })
  }
  it('the check catches a Node-only module', () => {
    expect(nodeOnly(`${root}adapters/node-request.ts`).length).toBeGreaterThan(0)
  })
})
