import Hapi from '@hapi/hapi'
import { createPortcullis } from 'portcullis'
import { portcullisPlugin, type PortcullisRefs } from 'portcullis/hapi'
import { openSqliteStores } from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'

const stores = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
const portcullis = createPortcullis({ config: { paths: { anonymous: ['/rest/api/2/serverInfo'] } }, stores })

const server = Hapi.server({ port: 3000, host: '127.0.0.1' })
// The strategy becomes every route's default; in mode 'try' a request Portcullis passed runs without credentials.
await server.register({ plugin: portcullisPlugin, options: { portcullis, defaultMode: 'try' } })

server.route<PortcullisRefs>([
  {
    method: 'GET',
    path: '/rest/api/2/myself',
    options: { auth: { strategy: 'portcullis', mode: 'required' } },
    handler: (request) => {
      const { user, via, tokenId } = request.auth.credentials
      return { name: user?.username, via, tokenId: tokenId ?? null }
    },
  },
  {
    method: 'GET',
    path: '/rest/api/2/serverInfo', // in paths.anonymous: answered with or without credentials
    handler: (request) => ({ version: '1.0.0', authenticated: request.auth.isAuthenticated }),
  },
])

await server.start()
process.once('SIGTERM', () => void server.stop().then(() => stores.close()))
