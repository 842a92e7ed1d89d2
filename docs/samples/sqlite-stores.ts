import { createPortcullis } from 'portcullis'
import { openSqliteStores, SqliteStoreError, type SqliteStores } from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'

let stores: SqliteStores
try {
  // Created when missing, migrated forward on open; WAL mode.
  stores = openSqliteStores({ path: '/var/lib/myapp/auth.sqlite', driver: betterSqlite3, synchronous: 'normal' })
} catch (error) {
  // The file is left untouched: a newer schema, a corrupt or foreign file, a read-only path.
  if (error instanceof SqliteStoreError) console.error(`${error.code}: ${error.message}`)
  throw error
}

await stores.users.add({ username: 'alice', password: 's3cret', groups: ['developers'] })
const portcullis = createPortcullis({ config: { rateLimit: { enabled: true } }, stores })
console.log(portcullis.config.rateLimit.limit) // 600 per 60 s, counted in this process ({ rateLimit: 'shared' }: in the file)

process.once('SIGTERM', () => stores.close())
