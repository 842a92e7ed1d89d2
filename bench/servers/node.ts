/**
 * node:http servers: the demo's routes bare, and behind the Node adapter (withPortcullis)
 * with an API token or an RS256 JWT, memory stores; Portcullis set up as on any Node
 * server, with `nodeSignatureCheck` from portcullis/node.
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import { nodeSignatureCheck, withPortcullis } from '../../adapters/node.ts'
import type { ConfigInput } from '../../core/index.ts'
import { demoRoutes } from '../../demo/app.ts'
import { jwtAuthorization, jwtConfig, memoryPortcullis, peerDirectory, type Started, type Variant } from './shared.ts'

/** Listens on 127.0.0.1, on a free port. */
export function listen(server: Server, authorization: string | null, close: () => Promise<void> | void = () => {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') return reject(new Error('unexpected server address'))
      resolve({
        port: address.port,
        authorization,
        close: async () => {
          server.closeAllConnections()
          await new Promise((done) => server.close(done))
          await close()
        },
      })
    })
  })
}

const serve = (listener: RequestListener, authorization: string | null) => listen(createServer(listener), authorization)

/** demoRoutes behind withPortcullis on memory stores, with alice's API token. */
async function apiToken(config: ConfigInput): Promise<Started> {
  const { portcullis, tokenAuthorization } = await memoryPortcullis(config, { signatureCheck: nodeSignatureCheck })
  return serve(withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user)), tokenAuthorization)
}

export const variants = {
  /** demoRoutes on bare node:http, alice fixed, no authentication. */
  async bare() {
    const alice = (await peerDirectory()).get('alice')!
    return serve((req, res) => demoRoutes(req, res, alice), null)
  },
  /** Defaults, as `npm start` without a config file: audit on, API tokens on. */
  token: () => apiToken({}),
  /** The same with audit off (attribution only). */
  'token-noaudit': () => apiToken({ audit: { enabled: false } }),
  /** An RS256 JWT, the verified-token cache on (default `jwt.cacheSeconds`). */
  async 'jwt-cached'(setup) {
    const { portcullis } = await memoryPortcullis(jwtConfig(setup), { signatureCheck: nodeSignatureCheck })
    return serve(withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user)), jwtAuthorization(setup))
  },
} satisfies Record<string, Variant>
