/**
 * The few Deno globals the Deno samples use, declared so that Node's tsc checks those
 * samples too (the repository's adapters/deno.conformance-server.ts does the same). Under
 * Deno the real declarations apply.
 */
declare namespace Deno {
  interface ServeHandlerInfo {
    readonly remoteAddr: { readonly hostname: string; readonly port: number; readonly transport: 'tcp' }
  }
  interface ServeOptions {
    readonly hostname?: string
    readonly port?: number
  }
  type ServeHandler = (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>
  interface HttpServer {
    readonly finished: Promise<void>
    shutdown(): Promise<void>
  }
  function serve(handler: ServeHandler): HttpServer
  function serve(options: ServeOptions, handler: ServeHandler): HttpServer
  const env: { get(name: string): string | undefined }
}
