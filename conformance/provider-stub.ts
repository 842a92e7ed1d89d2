/**
 * The stub identity provider of a scenario (see {@link ProviderStub}): an introspection
 * endpoint on 127.0.0.1 that a server under test in any process or runtime can reach.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { providerUrl, type ProviderStub } from './types.ts'

/** A running stub provider. */
export interface RunningProvider {
  readonly url: string
  close(): Promise<void>
}

/** Starts `stub` on 127.0.0.1 at a free port. */
export async function startProvider(stub: ProviderStub): Promise<RunningProvider> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(body))
    }
    if (stub.status !== undefined) return send(stub.status, { error: 'temporarily_unavailable' })
    if (req.method !== 'POST' || req.url !== '/introspect') return send(404, { error: 'not_found' })
    if (!isClient(req.headers.authorization, stub)) return send(401, { error: 'invalid_client' })
    const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? ''
    send(200, Object.hasOwn(stub.tokens, token) ? stub.tokens[token] : { active: false })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Whether a client_secret_basic header carries the stub's client (RFC 6749 §2.3.1: each part form-urlencoded). */
function isClient(authorization: string | undefined, stub: ProviderStub): boolean {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(authorization ?? '')
  if (!match) return false
  try {
    const [id, secret] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
    return id === stub.clientId && secret === stub.clientSecret
  } catch {
    return false
  }
}

/** `value` with every {@link providerUrl} in its strings replaced by `url`. */
export function withProviderUrl<T>(value: T, url: string): T {
  if (typeof value === 'string') return value.replaceAll(providerUrl, url) as T
  if (Array.isArray(value)) return value.map((item: unknown) => withProviderUrl(item, url)) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withProviderUrl(item, url)])) as T
  }
  return value
}
