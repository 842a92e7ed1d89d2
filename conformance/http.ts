/**
 * A raw HTTP/1.1 client over a socket. fetch cannot send two Authorization headers or a
 * non-ASCII header byte, and normalises what it receives; the suite needs the bytes.
 */
import { connect } from 'node:net'
import type { ScenarioRequest } from './types.ts'

/** A response as received. */
export interface RawResponse {
  readonly status: number
  /** Lower-case names; a repeated header's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** The body decoded as UTF-8. */
  readonly body: string
}

/** Sends one request on a fresh connection and reads the whole response. */
export function send(baseUrl: string, request: ScenarioRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(baseUrl)
  const body = Buffer.from(request.body ?? '', 'latin1')
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close']
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`)
  if (request.body !== undefined) lines.push(`Content-Length: ${body.length}`)
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')

  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ...(request.from !== undefined && { localAddress: request.from }) })
    const chunks: Buffer[] = []
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no complete response within ${timeoutMs} ms`)))
    // write, not end: some servers drop a half-closed connection before an async response is ready.
    socket.on('connect', () => socket.write(Buffer.concat([head, body])))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      try {
        resolve(parse(Buffer.concat(chunks)))
      } catch (error) {
        reject(error)
      }
    })
  })
}

function parse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`incomplete response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`)
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1])
  if (!status) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`)
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
  }
  let body = raw.subarray(end + 4)
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body)
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']))
  return { status, headers, body: body.toString('utf8') }
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at)
    if (lineEnd === -1) throw new Error('truncated chunked body')
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16)
    if (Number.isNaN(size)) throw new Error('bad chunk size')
    if (size === 0) return Buffer.concat(parts)
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}
