import Koa from 'koa'
import { createPortcullis } from 'portcullis'
import { portcullisKoa, type PortcullisState } from 'portcullis/koa'
import { memoryStores } from 'portcullis/storage/memory'

const stores = memoryStores()
await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

const app = new Koa<PortcullisState>()
app.use(portcullisKoa(portcullis)) // first: before routers and body parsers
app.use((ctx) => {
  const auth = ctx.state.portcullis // the allow decision, or undefined when the request passed
  ctx.body = auth ? { hello: auth.user.username, via: auth.via } : { hello: 'public' }
})
app.listen(3000, '127.0.0.1')
