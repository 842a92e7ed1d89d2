/**
 * A real HTTP server on 127.0.0.1 (random port) for tests that talk to an identity
 * provider over sockets: a fetch-style handler, served by `node:http` under Node and by
 * `Deno.serve` under Deno, so the same test runs on both.
 *
 * `close()` aborts the handler's `signal` (a slow or stalled handler ends at once) and
 * drops open connections. `requests` counts the requests the handler received.
 */

/** Answers one request; `signal` aborts when the server closes. */
export type LoopbackHandler = (request: Request, signal: AbortSignal) => Response | Promise<Response>

/** A running loopback server. */
export interface LoopbackServer {
  /** Such as `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string
  /** Requests received so far. */
  readonly requests: number
  close(): Promise<void>
}

declare const Deno:
  | {
      serve(
        options: { hostname: string; port: number; signal: AbortSignal; onListen(addr: unknown): void },
        handler: (request: Request) => Response | Promise<Response>,
      ): { readonly addr: { readonly port: number }; readonly finished: Promise<void> }
    }
  | undefined

/** Starts `handler` on 127.0.0.1 at a free port. */
export async function serveLoopback(handler: LoopbackHandler): Promise<LoopbackServer> {
  const stop = new AbortController()
  let requests = 0
  const counted = (request: Request) => {
    requests++
    return handler(request, stop.signal)
  }
  const { port, close } = typeof Deno !== 'undefined' ? serveDeno(counted, stop.signal) : await serveNode(counted)
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    async close() {
      stop.abort()
      await close()
    },
  }
}

/** The URL of a loopback port nothing listens on (connection refused). */
export async function refusedUrl(): Promise<string> {
  const server = await serveLoopback(() => new Response(null, { status: 204 }))
  await server.close()
  return server.url
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

/** A 200 whose headers go out at once and whose body never comes (until the server closes). */
export function stalledBody(signal: AbortSignal, contentType = 'application/json'): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"active":'))
      signal.addEventListener('abort', () => controller.error(new Error('server closed')), { once: true })
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': contentType } })
}

function serveDeno(handler: (request: Request) => Response | Promise<Response>, signal: AbortSignal) {
  const server = Deno!.serve({ hostname: '127.0.0.1', port: 0, signal, onListen() {} }, handler)
  return { port: server.addr.port, close: () => server.finished }
}

async function serveNode(handler: (request: Request) => Response | Promise<Response>) {
  const { createServer } = await import('node:http')
  const server = createServer(async (req, res) => {
    try {
      const chunks: Uint8Array[] = []
      for await (const chunk of req) chunks.push(chunk as Uint8Array)
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
      const method = req.method ?? 'GET'
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method,
        headers,
        ...(method !== 'GET' && method !== 'HEAD' && { body: new Blob(chunks as BlobPart[]) }),
      })
      const response = await handler(request)
      res.writeHead(response.status, Object.fromEntries(response.headers))
      const reader = response.body?.getReader()
      for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) res.write(read.value)
      res.end()
    } catch {
      res.destroy()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
