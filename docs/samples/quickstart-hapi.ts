import Hapi from '@hapi/hapi'
import { createPortcullis } from 'portcullis'
import { portcullisPlugin, type PortcullisRefs } from 'portcullis/hapi'
import { memoryStores } from 'portcullis/storage/memory'

const stores = memoryStores()
await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

const server = Hapi.server({ port: 3000, host: '127.0.0.1' })
await server.register({ plugin: portcullisPlugin, options: { portcullis } })

server.route<PortcullisRefs>({
  method: 'GET',
  path: '/rest/hello',
  options: { auth: 'portcullis' },
  handler: (request) => ({ hello: request.auth.credentials.user?.username, via: request.auth.credentials.via }),
})
await server.start()
