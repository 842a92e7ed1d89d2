/**
 * A small static server for the built site (docs/.vitepress/dist), bound to 127.0.0.1
 * only: `vitepress preview` listens on every interface. `npm run docs` builds the site
 * and runs this; the browser test (check-site.ts) starts one on a free port.
 *
 *   node --import tsx docs/tools/serve.ts [--port=4173]
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built site. */
export const siteRoot = fileURLToPath(new URL('../.vitepress/dist', import.meta.url))

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile()

/**
 * The file a URL path names in `root`, as a static host serves a VitePress build: the file
 * itself, `<path>.html` (clean URLs), or `<path>/index.html`. `undefined` when there is
 * none, or when the path would leave `root` or is not a valid escape.
 */
export function resolveFile(root: string, urlPath: string): string | undefined {
  let path: string
  try {
    path = decodeURIComponent(urlPath.split(/[?#]/, 1)[0]!)
  } catch {
    return undefined
  }
  if (!path.startsWith('/') || path.includes('\0') || path.split(/[\\/]/).includes('..')) return undefined
  const base = join(root, path)
  if (base !== root && !base.startsWith(root + sep)) return undefined
  for (const candidate of [base, `${base}.html`, join(base, 'index.html')]) if (isFile(candidate)) return candidate
  return undefined
}

/** A running server and how to stop it. */
export interface StaticServer {
  readonly url: string
  readonly server: Server
  close(): Promise<void>
}

/** Serves `root` on 127.0.0.1; port 0 picks a free one. */
export function serveSite(root = siteRoot, port = 0): Promise<StaticServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const file = resolveFile(root, req.url ?? '/')
    const notFound = file === undefined ? join(root, '404.html') : undefined
    const body = file ?? (notFound && isFile(notFound) ? notFound : undefined)
    const status = file ? 200 : 404
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found')
      return
    }
    res.writeHead(status, {
      'content-type': contentTypes[extname(body)] ?? 'application/octet-stream',
      'content-length': statSync(body).size,
      // VitePress names its assets by content hash: they never change under one name.
      'cache-control': file && /\/assets\//.test(req.url ?? '') ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    if (req.method === 'HEAD') res.end()
    else createReadStream(body).pipe(res)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${bound}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!isFile(join(siteRoot, 'index.html'))) {
    console.error(`No built site in ${siteRoot}: run npm run docs:build first.`)
    process.exit(1)
  }
  const portArg = process.argv.find((a) => a.startsWith('--port='))
  const site = await serveSite(siteRoot, Number(portArg?.slice('--port='.length) ?? process.env.PORT ?? 4173))
  console.log(`Portcullis docs on ${site.url}/ (Ctrl-C to stop)`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void site.close().then(() => process.exit(0)))
}
