import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { ConfigError, createPortcullis, loadConfig, type Config } from 'portcullis'
import { withPortcullis } from 'portcullis/node'
import { openSqliteStores } from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'

// Validate the configuration once, at start-up: a bad file stops the server with every problem listed.
let config: Config
try {
  config = loadConfig(JSON.parse(readFileSync('portcullis.config.json', 'utf8')))
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message) // Invalid Portcullis configuration:\n  apiTokens.maxPerUser: expected a positive integer, got -1
  process.exit(1)
}

const stores = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
const portcullis = createPortcullis({ config, stores, log: (line) => console.log(line) })
// Audit retention and expired-token clean-up, now and every hour.
const maintenance = portcullis.startMaintenance({ intervalMs: 3_600_000 })

const server = createServer(withPortcullis(portcullis, (req, res, auth) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  if (req.method === 'GET' && path === '/rest/api/2/myself' && auth) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ name: auth.user.username, displayName: auth.user.displayName, via: auth.via }))
    return
  }
  if (req.method === 'GET' && path === '/health') {
    res.end('ok') // outside /rest/: Portcullis passed it, auth is undefined
    return
  }
  res.writeHead(404).end()
}))
server.listen(3000, '127.0.0.1')

process.once('SIGTERM', () => {
  maintenance.stop()
  server.close(() => stores.close()) // closing folds SQLite's -wal file back into the database
})
