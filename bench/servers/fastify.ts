/**
 * Fastify 5 servers: the route bare, and behind @fastify/jwt (RS256, the run's public key,
 * issuer checked) with fast-jwt's verified-token cache on, as its README sets it up: an
 * `onRequest` hook calling `request.jwtVerify()`, the user from `request.user`.
 */
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import { benchPath, body, jsonType, jwtAuthorization, peerDirectory, userOf, type Started, type Variant } from './shared.ts'

async function listen(app: FastifyInstance, authorization: string | null): Promise<Started> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('unexpected server address')
  return { port: address.port, authorization, close: () => app.close() }
}

export const variants = {
  /** The route on bare Fastify, alice fixed, no authentication. */
  async bare() {
    const alice = (await peerDirectory()).get('alice')!
    const app = Fastify()
    app.get(benchPath, (request, reply) => {
      reply.type(jsonType).send(body(alice, request.headers.host))
    })
    return listen(app, null)
  },
  /** @fastify/jwt, RS256, `verify: { cache: true }` (an LRU of 1,000 verified tokens). */
  async 'jwt-cached'(setup) {
    const users = await peerDirectory()
    const app = Fastify()
    await app.register(fastifyJwt, {
      secret: { public: setup.jwt.publicKey },
      verify: { cache: true, algorithms: ['RS256'], allowedIss: setup.jwt.issuer },
    })
    app.addHook('onRequest', async (request, reply) => {
      try {
        await request.jwtVerify()
      } catch (error) {
        reply.send(error)
      }
    })
    app.get(benchPath, (request, reply) => {
      const user = userOf(users, request.user)
      if (!user) return reply.code(401).send({ message: 'unknown user' })
      reply.type(jsonType).send(body(user, request.headers.host))
    })
    return listen(app, jwtAuthorization(setup))
  },
} satisfies Record<string, Variant>
