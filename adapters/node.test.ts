import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createPortcullis } from '../core/index.ts'
import { seedMemoryStores, tokens } from '../conformance/index.ts'
import { withPortcullis, type AuthenticatedHandler } from './node.ts'

/** What the conformance run does not show: how the wrapper treats what a handler returns. */
describe('node adapter', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())))

  async function serve(handler: AuthenticatedHandler): Promise<string> {
    const portcullis = createPortcullis({ config: {}, stores: await seedMemoryStores() })
    server = createServer(withPortcullis(portcullis, handler))
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `http://127.0.0.1:${address.port}/rest/api/2/myself`
  }

  it('ignores what a handler returns unless it is a promise (res.end() returns the response)', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024)
    const url = await serve((_req, res, auth) => res.end(auth ? big : 'public'))
    const response = await fetch(url, { headers: { authorization: `Bearer ${tokens.alice}` } })
    expect(response.status).toBe(200)
    expect((await response.text()).length).toBe(big.length)
  })

  it('destroys the response when an async handler rejects, instead of leaving it hanging', async () => {
    const url = await serve(async () => {
      throw new Error('handler failed')
    })
    await expect(fetch(url, { headers: { authorization: `Bearer ${tokens.alice}` } })).rejects.toThrow()
  })
})
