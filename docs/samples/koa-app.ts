import Koa from 'koa'
import { createPortcullis } from 'portcullis'
import { portcullisKoa, type PortcullisState } from 'portcullis/koa'
import { openSqliteStores } from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'

const stores = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
const portcullis = createPortcullis({ config: { rateLimit: { enabled: true, limit: 600, windowSeconds: 60 } }, stores })

const app = new Koa<PortcullisState>()

// First in the chain: before any body parser (the token API reads the raw body) and any router.
app.use(portcullisKoa(portcullis))

app.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/rest/api/2/myself' && ctx.state.user) {
    // ctx.state.user: the user; ctx.state.portcullis: the whole decision (via, tokenId, audit record)
    ctx.body = { name: ctx.state.user.username, via: ctx.state.portcullis?.via }
    return
  }
  await next()
})

app.listen(3000, '127.0.0.1')
