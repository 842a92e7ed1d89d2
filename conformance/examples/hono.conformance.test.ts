/**
 * How an adapter author runs the conformance suite on their adapter (here the Hono
 * example). Outside this repository the imports read 'portcullis' and 'portcullis/conformance'.
 */
import type { AddressInfo } from 'node:net'
import { serve, type HttpBindings } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createPortcullis } from '../../core/index.ts'
import { echoResponse, formatReport, runConformance, seedMemoryStores, type StartServer } from '../index.ts'
import { portcullis, type PortcullisEnv } from './hono.ts'

/** The factory: a server for this config and these stores, its URL, a way to close it. */
const startHono: StartServer = async ({ config, fixture }) => {
  const engine = createPortcullis({ config, stores: await seedMemoryStores(fixture) })
  const app = new Hono<PortcullisEnv & { Bindings: HttpBindings }>()
  app.use(portcullis(engine, { clientAddress: (c) => getConnInfo(c).remote.address ?? '', target: (c) => c.env.incoming.url ?? '/' }))
  app.all('*', (c) => c.body(echoResponse(c.get('portcullis')), 200, { 'content-type': 'application/json' }))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('conformance: hono example adapter', () => {
  it('passes every scenario', async () => {
    const report = await runConformance(startHono)
    expect(report.failed, formatReport(report)).toBe(0)
  })
})
