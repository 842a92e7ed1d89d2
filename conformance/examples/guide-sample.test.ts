import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

/** A source file as the guide shows it: no comments, imports from the package's entry points. */
function asPublished(source: string): string {
  return source
    .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, '')
    .replace(/ \/\/ .*$/gm, '')
    .replaceAll("'../../core/index.ts'", "'portcullis'")
    .replaceAll("'../../adapters/fetch.ts'", "'portcullis/fetch'")
    .replaceAll("'../index.ts'", "'portcullis/conformance'")
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

describe('docs/guides/conformance.md', () => {
  const guide = read('../../docs/guides/conformance.md')
  // The guide's samples are these type-checked, tested files: a change to either shows here.
  for (const file of ['./hono.ts', './hono.conformance.test.ts']) {
    it(`shows ${file.slice(2)} as it is`, () => {
      expect(guide).toContain(asPublished(read(file)))
    })
  }
})
