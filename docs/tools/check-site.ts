/**
 * The browser test of the built site. Serves docs/.vitepress/dist on 127.0.0.1, opens every
 * page of it in headless Chromium (Debian's, driven by playwright-core: no browser
 * download), and fails a page on a console error, an uncaught page error, a local request
 * that fails or answers 4xx/5xx (a missing asset), an empty page, or an internal link to a
 * page or anchor that does not exist in the build. Saves screenshots of the home page and
 * one guide under .ci/screenshots/ for review.
 *
 *   node --import tsx docs/tools/check-site.ts [--junit=<file>]
 *
 * Everything is bounded in time (CHROMIUM_TIMEOUT_MS per page load, DOCS_CHECK_TIMEOUT_MS
 * for the whole run), and the browser and server are closed on every path out.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { report, type TestCase } from './junit.ts'
import { resolveFile, serveSite, siteRoot, type StaticServer } from './serve.ts'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const pageTimeoutMs = Number(process.env.CHROMIUM_TIMEOUT_MS ?? 30_000)
const runTimeoutMs = Number(process.env.DOCS_CHECK_TIMEOUT_MS ?? 600_000)
const parallelPages = 4

/** Pages the site must have, whatever else it holds. */
const requiredPages = ['/', '/guides/quickstart.html', '/reference/config.html', '/reference/errors.html', '/api/']
/** The screenshots for review: URL path → file under .ci/screenshots/. */
const screenshots = [
  { path: '/', file: 'home.png', fullPage: true },
  { path: '/guides/quickstart.html', file: 'quickstart.png', fullPage: false },
]

/** Every page of the build, as the URL path a browser asks for. */
export function sitePages(root: string): string[] {
  const pages: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.html')) pages.push(`/${relative(root, path).split(sep).join('/')}`.replace(/(^|\/)index\.html$/, '$1'))
    }
  }
  walk(root)
  return pages.sort()
}

const htmlCache = new Map<string, string>()
const html = (file: string) => {
  let text = htmlCache.get(file)
  if (text === undefined) htmlCache.set(file, (text = readFileSync(file, 'utf8')))
  return text
}

/** What is wrong with an internal link, or `undefined` when its page (and anchor) exist. */
export function brokenLink(root: string, href: URL): string | undefined {
  const file = resolveFile(root, href.pathname)
  if (!file) return `link to a page that does not exist: ${href.pathname}${href.hash}`
  if (!href.hash || href.hash === '#' || !file.endsWith('.html')) return undefined
  let id: string
  try {
    id = decodeURIComponent(href.hash.slice(1))
  } catch {
    return `link with a malformed anchor: ${href.pathname}${href.hash}`
  }
  const attribute = id.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return html(file).includes(`id="${attribute}"`) ? undefined : `link to an anchor that does not exist: ${href.pathname}${href.hash}`
}

function missingAnchor(href: URL, ids: readonly string[]): string | undefined {
  let id: string
  try {
    id = decodeURIComponent(href.hash.slice(1))
  } catch {
    return `link with a malformed anchor: ${href.pathname}${href.hash}`
  }
  return ids.includes(id) ? undefined : `link to an anchor that does not exist on this page: ${href.hash}`
}

async function checkPage(context: BrowserContext, site: StaticServer, path: string): Promise<TestCase> {
  const problems: string[] = []
  const origin = new URL(site.url).origin
  const page = await context.newPage()
  try {
    page.on('console', (message) => {
      if (message.type() !== 'error') return
      const at = message.location().url
      problems.push(`console error: ${message.text()}${at ? ` (${at})` : ''}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('requestfailed', (request) => {
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`)
    })
    page.on('response', (response) => {
      if (response.status() >= 400 && new URL(response.url()).origin === origin) problems.push(`HTTP ${response.status()}: ${response.url()}`)
    })
    const response = await page.goto(site.url + path, { waitUntil: 'load', timeout: pageTimeoutMs })
    if (!response || response.status() !== 200) problems.push(`page answered HTTP ${response?.status() ?? 'nothing'}`)
    // Let the app hydrate and lazy chunks load: errors surface here.
    await page.waitForLoadState('networkidle', { timeout: pageTimeoutMs }).catch(() => problems.push('network never went idle'))
    const text = await page.evaluate(() => document.querySelector('#app')?.textContent?.trim().length ?? 0)
    if (text < 20) problems.push('page is empty: the app rendered no content')
    const { hrefs, ids } = await page.evaluate(() => ({
      hrefs: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
      ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
    }))
    const here = new URL(page.url())
    for (const href of new Set(hrefs)) {
      const url = new URL(href)
      if (url.origin !== origin) continue
      // An anchor on this very page is looked up in the rendered page; one on another page in its built HTML.
      const samePage = url.pathname === here.pathname && url.hash.length > 1
      const problem = samePage ? missingAnchor(url, ids) : brokenLink(siteRoot, url)
      if (problem) problems.push(problem)
    }
  } catch (error) {
    problems.push(`could not check the page: ${(error as Error).message.split('\n')[0]}`)
  } finally {
    await page.close().catch(() => {})
  }
  return { name: path, problems }
}

async function takeScreenshots(context: BrowserContext, site: StaticServer): Promise<TestCase> {
  const dir = join(repo, '.ci', 'screenshots')
  mkdirSync(dir, { recursive: true })
  const problems: string[] = []
  for (const shot of screenshots) {
    const page = await context.newPage()
    try {
      await page.goto(site.url + shot.path, { waitUntil: 'networkidle', timeout: pageTimeoutMs })
      await page.screenshot({ path: join(dir, shot.file), fullPage: shot.fullPage, timeout: pageTimeoutMs })
    } catch (error) {
      problems.push(`screenshot of ${shot.path}: ${(error as Error).message.split('\n')[0]}`)
    } finally {
      await page.close().catch(() => {})
    }
  }
  return { name: `screenshots (${screenshots.map((s) => s.file).join(', ')})`, problems }
}

async function run(cases: TestCase[], stop: { browser?: Browser; site?: StaticServer }): Promise<void> {
  const pages = sitePages(siteRoot)
  const missing = requiredPages.filter((p) => !pages.includes(p))
  cases.push({ name: 'the build has the required pages', problems: missing.map((p) => `missing page ${p} (run npm run docs:build)`) })
  if (pages.length === 0) return

  stop.site = await serveSite(siteRoot)
  stop.browser = await chromium.launch({ executablePath, args: launchArgs, headless: true, timeout: pageTimeoutMs * 2 })
  const context = await stop.browser.newContext({ viewport: { width: 1280, height: 800 } })
  context.setDefaultTimeout(pageTimeoutMs)

  const queue = [...pages]
  const results = new Map<string, TestCase>()
  await Promise.all(
    Array.from({ length: parallelPages }, async () => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) results.set(path, await checkPage(context, stop.site!, path))
    }),
  )
  for (const path of pages) cases.push(results.get(path)!)
  cases.push(await takeScreenshots(context, stop.site))
  await context.close()
}

async function main(): Promise<number> {
  const junit = process.argv.find((a) => a.startsWith('--junit='))?.slice('--junit='.length)
  const started = Date.now()
  const cases: TestCase[] = []
  const stop: { browser?: Browser; site?: StaticServer } = {}
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the browser test took longer than ${runTimeoutMs / 1000} s`)), runTimeoutMs)
  })
  const running = run(cases, stop)
  running.catch(() => {}) // past the deadline its rejection is reported below, not left unhandled
  try {
    await Promise.race([running, deadline])
  } catch (error) {
    cases.push({ name: 'the browser test ran to the end', problems: [(error as Error).message.split('\n')[0]!] })
  } finally {
    clearTimeout(timer)
    await stop.browser?.close().catch(() => {})
    await stop.site?.close().catch(() => {})
  }
  const pageCount = cases.filter((c) => c.name.startsWith('/')).length
  console.log(`opened ${pageCount} pages`)
  return report('docs site (browser)', cases, (Date.now() - started) / 1000, junit)
}

// Exit explicitly: past the deadline, work left behind must not keep the process alive.
if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit((await main()) ? 1 : 0)
