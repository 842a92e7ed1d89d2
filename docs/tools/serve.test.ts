import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveFile, serveSite, type StaticServer } from './serve.ts'

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'portcullis-docs-'))
  mkdirSync(join(root, 'guides'))
  mkdirSync(join(root, 'api'))
  writeFileSync(join(root, 'index.html'), '<p>home</p>')
  writeFileSync(join(root, '404.html'), '<p>not found</p>')
  writeFileSync(join(root, 'guides', 'quickstart.html'), '<p>quickstart</p>')
  writeFileSync(join(root, 'api', 'index.html'), '<p>api</p>')
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'assets', 'app.1a2b3c.js'), 'export {}')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('resolveFile', () => {
  it('finds a file, its clean URL and a folder index, as a static host does', () => {
    expect(resolveFile(root, '/')).toBe(join(root, 'index.html'))
    expect(resolveFile(root, '/guides/quickstart.html')).toBe(join(root, 'guides', 'quickstart.html'))
    expect(resolveFile(root, '/guides/quickstart')).toBe(join(root, 'guides', 'quickstart.html'))
    expect(resolveFile(root, '/api/')).toBe(join(root, 'api', 'index.html'))
    expect(resolveFile(root, '/guides/quickstart.html?x=1#top')).toBe(join(root, 'guides', 'quickstart.html'))
  })

  it('finds nothing for a missing page', () => {
    expect(resolveFile(root, '/guides/missing.html')).toBeUndefined()
    expect(resolveFile(root, '/guides/')).toBeUndefined()
  })

  it('never leaves the root, however the path is spelled', () => {
    for (const path of ['/../package.json', '/guides/../../x', '/%2e%2e/x', '/..%2Fx', '/guides/..%5C..%5Cx', '/%00', '/%E0%A4%A']) {
      expect(resolveFile(root, path), path).toBeUndefined()
    }
  })
})

describe('serveSite', () => {
  let site: StaticServer
  beforeAll(async () => {
    site = await serveSite(root)
  })
  afterAll(() => site.close())

  it('listens on 127.0.0.1 only', () => {
    expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(site.server.address()).toMatchObject({ address: '127.0.0.1' })
  })

  it('serves pages with their content type, and the 404 page with status 404', async () => {
    const page = await fetch(`${site.url}/guides/quickstart.html`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toBe('<p>quickstart</p>')
    const missing = await fetch(`${site.url}/nope.html`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe('<p>not found</p>')
  })

  it('lets the browser keep hashed assets, and revalidate pages', async () => {
    const asset = await fetch(`${site.url}/assets/app.1a2b3c.js`)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${site.url}/`)).headers.get('cache-control')).toBe('no-cache')
  })

  it('answers only GET and HEAD', async () => {
    expect((await fetch(`${site.url}/`, { method: 'POST' })).status).toBe(405)
    expect((await fetch(`${site.url}/`, { method: 'HEAD' })).status).toBe(200)
  })
})
