/**
 * Node `http` adapter: translates `(req, res)` to the engine and its outcome back.
 * No authentication rule lives here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Allow, AuthRequest, HeaderReader, Portcullis } from '../core/index.ts'
import { maxBodyBytes } from '../core/index.ts'

/** A Node handler that also receives the authenticated caller (`undefined` when the request passed). */
export type AuthenticatedHandler = (req: IncomingMessage, res: ServerResponse, auth: Allow | undefined) => void | Promise<void>

/**
 * Wraps a Node request handler with Portcullis.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createPortcullis } from 'portcullis'
 * import { withPortcullis } from 'portcullis/node'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: {}, stores: memoryStores() })
 * createServer(withPortcullis(portcullis, (req, res, auth) => {
 *   res.end(auth ? `hello ${auth.user.displayName}` : 'public')
 * })).listen(3000, '127.0.0.1')
 * ```
 */
export function withPortcullis(portcullis: Portcullis, handler: AuthenticatedHandler) {
  return function portcullisNode(req: IncomingMessage, res: ServerResponse): void {
    portcullis.handle(toAuthRequest(req)).then(
      (outcome) => {
        if (outcome.kind === 'allow') {
          for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!)
          return handler(req, res, outcome)
        }
        if (outcome.kind === 'pass') return handler(req, res, undefined)
        res.writeHead(outcome.status, { ...outcome.headers, 'content-length': Buffer.byteLength(outcome.body) })
        res.end(outcome.body)
      },
    ).catch((error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))))
  }
}

/** The framework-neutral request of a Node `IncomingMessage`. */
export function toAuthRequest(req: IncomingMessage): AuthRequest {
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers: rawHeaderReader(req.rawHeaders),
    peer: req.socket.remoteAddress ?? '',
    body: () => readBody(req),
  }
}

/**
 * Reads headers from `rawHeaders`, joining repeats with ", " as fetch does: Node's
 * `req.headers` keeps only the first Authorization header, which would hide a duplicate.
 */
function rawHeaderReader(raw: string[]): HeaderReader {
  return {
    get(name) {
      const wanted = name.toLowerCase()
      let value: string | null = null
      for (let i = 0; i < raw.length; i += 2) {
        if (raw[i]!.length === wanted.length && raw[i]!.toLowerCase() === wanted) {
          value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`
        }
      }
      return value
    },
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBodyBytes) throw new RangeError(`body: larger than ${maxBodyBytes} bytes`)
    chunks.push(chunk)
  }
  return utf8.decode(Buffer.concat(chunks))
}
