import { createServer } from 'node:http'
import { createPortcullis } from '../core/index.ts'
import { withPortcullis } from '../adapters/node.ts'
import { demoRoutes } from './app.ts'
import { readConfigFile } from './config-file.ts'
import { openDemoStores, type DemoStores } from './stores.ts'

let loaded
let demo: DemoStores
try {
  loaded = readConfigFile()
  demo = await openDemoStores()
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}

const portcullis = createPortcullis({ config: loaded.config, stores: demo.stores })

const port = Number(process.env.PORT ?? 3000)
const server = createServer(withPortcullis(portcullis, (req, res, auth) => demoRoutes(req, res, auth?.user)))
server.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${port}`
  console.log(`Portcullis demo on ${base} (config: ${loaded.source})
Store: ${demo.description}${demo.kind === 'sqlite' ? '\n  (PORTCULLIS_SQLITE=<file> for another file, PORTCULLIS_STORE=memory to keep nothing)' : ''}

Users (password = username): admin (admins), alice (developers), reader (readers)

Create a token (shown once):
  curl -s -u alice:alice -H 'content-type: application/json' \\
    -d '{"name":"my laptop","validity":"6m"}' ${base}/rest/auth/1/token

Use it:
  curl -s -H "Authorization: Bearer <token>" ${base}/rest/api/2/myself
`)
})

// Close the database cleanly, so SQLite folds its -wal file back into the store.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    demo.close()
    process.exit(0)
  })
}
