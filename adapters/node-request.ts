/**
 * The framework-neutral request of a Node `IncomingMessage`, shared by the adapters that
 * run on `node:http` (node, hapi, koa). Translation only.
 */
import type { IncomingMessage } from 'node:http'
import type { AuthRequest, HeaderReader } from '../core/index.ts'
import { maxBodyBytes } from '../core/index.ts'

/**
 * The framework-neutral request of a Node `IncomingMessage`.
 *
 * @param target The request target as the client sent it; `req.url` by default (pass the
 *   original when a framework rewrites `req.url`, as Koa's mounting does).
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { toAuthRequest } from 'portcullis/node'
 *
 * createServer(async (req, res) => {
 *   const outcome = await portcullis.handle(toAuthRequest(req))
 *   res.end(outcome.kind)
 * })
 * ```
 */
export function toAuthRequest(req: IncomingMessage, target: string = req.url ?? '/'): AuthRequest {
  return new NodeAuthRequest(req, target)
}

// Classes rather than object literals with arrow functions: every request makes one, and
// prototype methods cost no closure per request.
class NodeAuthRequest implements AuthRequest {
  readonly method: string
  readonly target: string
  readonly headers: HeaderReader
  readonly peer: string
  readonly #req: IncomingMessage

  constructor(req: IncomingMessage, target: string) {
    this.method = req.method ?? 'GET'
    this.target = target
    this.headers = req.rawHeaders?.length ? new RawHeaderReader(req.rawHeaders) : new ObjectHeaderReader(req.headers)
    this.peer = req.socket?.remoteAddress ?? ''
    this.#req = req
  }

  body(): Promise<string> {
    return readBody(this.#req)
  }
}

/**
 * Reads headers from `rawHeaders`, joining repeats with ", " as fetch does: Node's
 * `req.headers` keeps only the first Authorization header, which would hide a duplicate.
 */
class RawHeaderReader implements HeaderReader {
  readonly #raw: string[]

  constructor(raw: string[]) {
    this.#raw = raw
  }

  get(name: string): string | null {
    const raw = this.#raw
    const wanted = name.toLowerCase()
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length === wanted.length && raw[i]!.toLowerCase() === wanted) {
        value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`
      }
    }
    return value
  }
}

/** For requests without `rawHeaders` (injected ones, such as Hapi's `server.inject`). */
class ObjectHeaderReader implements HeaderReader {
  readonly #headers: IncomingMessage['headers']

  constructor(headers: IncomingMessage['headers']) {
    this.#headers = headers
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Reads at most {@link maxBodyBytes}; past that, drops the rest (as Node does with a body nobody reads) and throws. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return reject(new Error('body: already read (register Portcullis before any body parser)'))
    const chunks: Buffer[] = []
    let size = 0
    const done = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done)
      if (error) return reject(error)
      try {
        resolve(utf8.decode(Buffer.concat(chunks)))
      } catch (decodeError) {
        reject(decodeError)
      }
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBodyBytes) return void chunks.push(chunk)
      done(new RangeError(`body: larger than ${maxBodyBytes} bytes`))
      req.resume()
    }
    const onEnd = () => done()
    req.on('data', onData).on('end', onEnd).on('error', done)
  })
}
