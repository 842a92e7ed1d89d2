/**
 * The Deno adapter's conformance servers, under the real deno binary. One process serves
 * a whole test run: it reads commands as JSON lines on stdin and answers each on stdout.
 *
 *   {"id":1,"start":{"config":{…},"fixture":{…}}}  →  {"id":1,"server":1,"url":"http://127.0.0.1:41234"}
 *   {"id":2,"stop":1}                              →  {"id":2}
 *   a command that fails                           →  {"id":…,"error":"…"}
 *
 * Run: deno run --no-check --config deno.json --allow-net=127.0.0.1 adapters/deno.conformance-server.ts
 * (adapters/deno.conformance.test.ts does). It exits when stdin closes.
 */
import { createPortcullis } from '../core/index.ts'
import { echoResponse, type ServerSetup } from '../conformance/types.ts'
import { seedMemoryStores } from '../conformance/fixture.ts'
import { withPortcullis, type ServeHandlerInfo } from './deno.ts'

declare const Deno: {
  readonly stdin: { readonly readable: ReadableStream<Uint8Array> }
  serve(
    options: { hostname: string; port: number; onListen(addr: unknown): void },
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>,
  ): { readonly addr: { readonly port: number }; shutdown(): Promise<void> }
}

type Command = { id: number; start: ServerSetup } | { id: number; stop: number }

const servers = new Map<number, { shutdown(): Promise<void> }>()
let next = 1

async function run(command: Command): Promise<Record<string, unknown>> {
  if ('stop' in command) {
    await servers.get(command.stop)?.shutdown()
    servers.delete(command.stop)
    return {}
  }
  const portcullis = createPortcullis({ config: command.start.config, stores: await seedMemoryStores(command.start.fixture) })
  const handler = withPortcullis(portcullis, (_request, auth) =>
    new Response(echoResponse(auth), { headers: { 'content-type': 'application/json' } }))
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, handler)
  const id = next++
  servers.set(id, server)
  return { server: id, url: `http://127.0.0.1:${server.addr.port}` }
}

const reply = (line: Record<string, unknown>) => console.log(JSON.stringify(line))
const stdin = Deno.stdin.readable.getReader()
const decoder = new TextDecoder()
let buffered = ''
for (let read = await stdin.read(); !read.done; read = await stdin.read()) {
  buffered += decoder.decode(read.value, { stream: true })
  for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
    const command = JSON.parse(buffered.slice(0, end)) as Command
    buffered = buffered.slice(end + 1)
    run(command).then(
      (answer) => reply({ id: command.id, ...answer }),
      (error: unknown) => reply({ id: command.id, error: String(error) }),
    )
  }
}
await Promise.all([...servers.values()].map((server) => server.shutdown()))
