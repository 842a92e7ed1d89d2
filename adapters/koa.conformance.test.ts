import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { createPortcullis } from '../core/index.ts'
import { echoResponse, runScenario, scenarios, seedMemoryStores, type StartServer } from '../conformance/index.ts'
import { portcullisKoa, type PortcullisState } from './koa.ts'

/** The Koa adapter's factory: the middleware, then a handler that echoes ctx.state. */
const startKoa: StartServer = async ({ config, fixture }) => {
  const portcullis = createPortcullis({ config, stores: await seedMemoryStores(fixture) })
  const app = new Koa<PortcullisState>()
  app.use(portcullisKoa(portcullis))
  app.use((ctx) => {
    ctx.type = 'application/json'
    ctx.body = echoResponse(ctx.state.portcullis)
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('conformance: koa adapter', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await runScenario(startKoa, scenario)
      expect(result.problems).toEqual([])
    })
  }
})
