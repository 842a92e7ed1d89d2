// deno run --allow-net=127.0.0.1 main.ts
import { createPortcullis } from 'portcullis'
import { withPortcullis } from 'portcullis/deno'
import { memoryStores } from 'portcullis/storage/memory'

const stores = memoryStores()
await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

Deno.serve({ hostname: '127.0.0.1', port: 3000 }, withPortcullis(portcullis, (request, auth) =>
  Response.json(auth ? { hello: auth.user.username, via: auth.via } : { hello: 'public' })))
