import Hapi from '@hapi/hapi'
import { describe, expect, it } from 'vitest'
import { createPortcullis } from '../core/index.ts'
import { echoResponse, runScenario, scenarios, seedMemoryStores, type StartServer } from '../conformance/index.ts'
import { portcullisPlugin, type PortcullisRefs } from './hapi.ts'

/** The Hapi adapter's factory: the strategy as the default in 'optional' mode, one catch-all route. */
const startHapi: StartServer = async ({ config, fixture }) => {
  const portcullis = createPortcullis({ config, stores: await seedMemoryStores(fixture) })
  const server = Hapi.server({ host: '127.0.0.1', port: 0 })
  await server.register({ plugin: portcullisPlugin, options: { portcullis, defaultMode: 'optional' } })
  server.route<PortcullisRefs>({
    method: '*',
    path: '/{any*}',
    handler: (request, h) => {
      const { credentials } = request.auth // null when the request passed ('optional' mode)
      return h.response(echoResponse(credentials?.user && { user: credentials.user, via: credentials.via })).type('application/json')
    },
  })
  await server.start()
  return { url: server.info.uri, close: () => server.stop() }
}

describe('conformance: hapi adapter', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await runScenario(startHapi, scenario)
      expect(result.problems).toEqual([])
    })
  }
})
