import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPortcullis } from 'portcullis'
import { echoResponse, seedMemoryStores, type RunningServer, type ServerSetup, type StartServer } from 'portcullis/conformance'
import { withPortcullis } from 'portcullis/node'

/**
 * One server per scenario: the scenario's config, the fixture's users and tokens, your
 * adapter in front of a handler that answers 200 with echoResponse(auth).
 */
export const startNode: StartServer = async ({ config, fixture }: ServerSetup): Promise<RunningServer> => {
  const portcullis = createPortcullis({ config, stores: await seedMemoryStores(fixture) })
  const server = createServer(withPortcullis(portcullis, (_req, res, auth) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(echoResponse(auth))
  }))
  // 127.0.0.1, port 0; the IP scenarios connect from 127.0.0.2 and 127.0.0.3, which reach it on Linux.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
