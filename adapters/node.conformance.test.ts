import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createPortcullis } from '../core/index.ts'
import { echoResponse, runScenario, scenarios, seedMemoryStores, type StartServer } from '../conformance/index.ts'
import { withPortcullis } from './node.ts'

/** The factory an adapter author writes: this one is the Node adapter's. */
const startNode: StartServer = async ({ config, fixture }) => {
  const portcullis = createPortcullis({ config, stores: await seedMemoryStores(fixture) })
  const server = createServer(withPortcullis(portcullis, (_req, res, auth) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(echoResponse(auth))
  }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('conformance: node adapter', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await runScenario(startNode, scenario)
      expect(result.problems).toEqual([])
    })
  }
})
