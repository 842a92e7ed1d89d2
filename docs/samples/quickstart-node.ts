import { createServer } from 'node:http'
import { createPortcullis } from 'portcullis'
import { withPortcullis } from 'portcullis/node'
import { memoryStores } from 'portcullis/storage/memory'

const stores = memoryStores()
await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

createServer(withPortcullis(portcullis, (req, res, auth) => {
  // auth: the allow decision (auth.user, auth.via, auth.tokenId), or undefined when the request passed
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(auth ? { hello: auth.user.username, via: auth.via } : { hello: 'public' }))
})).listen(3000, '127.0.0.1')
