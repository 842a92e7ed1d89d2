import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handWrittenPages, inlineScriptBlocks, parseDiagnostics, snippetReferences } from './check-samples.ts'
import { brokenLink, sitePages } from './check-site.ts'
import { junitXml } from './junit.ts'

const docs = new URL('../', import.meta.url)

describe('the docs pages and their samples (checked fully by npm run docs:check)', () => {
  const pages = handWrittenPages()
  const samples = readdirSync(new URL('samples/', docs)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  const shown = new Set(pages.flatMap((page) => snippetReferences(readFileSync(new URL(page, docs), 'utf8'))))

  it('include only samples that exist', () => {
    expect([...shown].filter((file) => !samples.includes(file))).toEqual([])
  })

  it('show every sample somewhere', () => {
    expect(samples.filter((file) => !shown.has(file))).toEqual([])
  })

  it('leave out the generated API reference, the samples and VitePress files', () => {
    expect(pages).toContain('index.md')
    expect(pages).toContain('guides/quickstart.md')
    expect(pages.filter((p) => /^(api|samples|\.vitepress)\//.test(p))).toEqual([])
  })
})

describe('check-samples helpers', () => {
  it('finds snippet includes, with or without a region, lines or a code-group title', () => {
    const page = ['<<< @/samples/a.ts', '<<< @/samples/b.ts#part{2-3} [Node]', '  <<< @/samples/indented.ts', 'text <<< @/samples/c.ts'].join('\n')
    expect(snippetReferences(page)).toEqual(['a.ts', 'b.ts', 'indented.ts'])
  })

  it('counts TypeScript and JavaScript fences, not shell or JSON ones', () => {
    expect(inlineScriptBlocks('```ts\nx\n```\n```sh\nnpm\n```\n````typescript\ny\n````\n```json\n{}\n```\n```js\nz\n```')).toBe(3)
  })

  it("groups tsc's diagnostics by file, continuation lines included", () => {
    const output = [
      "docs/samples/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      "  Details on the next line.",
      "docs/samples/b.ts(1,1): error TS2307: Cannot find module 'portcullis'.",
      'error TS5083: Cannot read file tsconfig.json.',
    ].join('\n')
    const byFile = parseDiagnostics(output)
    expect(byFile.get('docs/samples/a.ts')).toEqual(["docs/samples/a.ts:3:7 TS2322: Type 'string' is not assignable to type 'number'. Details on the next line."])
    expect(byFile.get('docs/samples/b.ts')).toHaveLength(1)
    expect(byFile.get('')).toEqual(['error TS5083: Cannot read file tsconfig.json.'])
  })
})

describe('check-site helpers', () => {
  let root: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'portcullis-site-'))
    mkdirSync(join(root, 'guides'))
    writeFileSync(join(root, 'index.html'), '<h2 id="one-engine">x</h2>')
    writeFileSync(join(root, 'guides', 'why.html'), '<h2 id="the-problem">x</h2><h3 id="a&amp;b">y</h3>')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('lists every page as the path a browser asks for', () => {
    expect(sitePages(root)).toEqual(['/', '/guides/why.html'])
  })

  it('accepts links to pages and anchors that exist, and names the ones that do not', () => {
    const at = (path: string) => new URL(path, 'http://127.0.0.1:1')
    expect(brokenLink(root, at('/guides/why.html'))).toBeUndefined()
    expect(brokenLink(root, at('/guides/why'))).toBeUndefined()
    expect(brokenLink(root, at('/guides/why.html#the-problem'))).toBeUndefined()
    expect(brokenLink(root, at('/guides/why.html#a&b'))).toBeUndefined()
    expect(brokenLink(root, at('/#one-engine'))).toBeUndefined()
    expect(brokenLink(root, at('/guides/how.html'))).toMatch(/page that does not exist/)
    expect(brokenLink(root, at('/guides/why.html#nope'))).toMatch(/anchor that does not exist/)
  })
})

describe('junitXml', () => {
  it('counts cases and failures and escapes what it writes', () => {
    const xml = junitXml('docs <site>', [{ name: '/a?b=1&c', problems: [] }, { name: '/b', problems: ['console error: "x" < y'] }], 1.5)
    expect(xml).toContain('<testsuites name="docs &lt;site&gt;" tests="2" failures="1" errors="0" time="1.500">')
    expect(xml).toContain('name="/a?b=1&amp;c"/>')
    expect(xml).toContain('<failure message="console error: &quot;x&quot; &lt; y">')
  })
})
