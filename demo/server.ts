import { createServer } from 'node:http'
import { createPortcullis } from '../core/index.ts'
import { withPortcullis } from '../adapters/node.ts'
import { memoryStores } from '../storage/memory/index.ts'
import { demoRoutes, demoUsers } from './app.ts'
import { readConfigFile } from './config-file.ts'

let loaded
try {
  loaded = readConfigFile()
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}

const stores = memoryStores()
for (const user of demoUsers) await stores.users.add(user)
const portcullis = createPortcullis({ config: loaded.config, stores })

const port = Number(process.env.PORT ?? 3000)
const server = createServer(withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user)))
server.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${port}`
  console.log(`Portcullis demo on ${base} (config: ${loaded.source})

Users (password = username): admin (admins), alice (developers), reader (readers)

Create a token (shown once):
  curl -s -u alice:alice -H 'content-type: application/json' \\
    -d '{"name":"my laptop","validity":"6m"}' ${base}/rest/auth/1/token

Use it:
  curl -s -H "Authorization: Bearer <token>" ${base}/rest/api/2/myself
`)
})
