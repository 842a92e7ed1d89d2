import Database from 'better-sqlite3'
import { createRequire } from 'node:module'
import { checkpointThread } from './checkpoint-thread.ts'
import type { SqliteConnection, SqliteDriver, SqliteStatement } from './driver.ts'

/**
 * The SQLite driver for Node: better-sqlite3 (a peer dependency, install it next to
 * Portcullis). Not for Deno: use `nodeSqlite` there.
 *
 * @example
 * ```ts
 * import { openSqliteStores } from 'portcullis/storage/sqlite'
 * import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'
 * const stores = openSqliteStores({ path: 'portcullis.sqlite', driver: betterSqlite3 })
 * ```
 */
export const betterSqlite3: SqliteDriver = Object.assign(
  (path: string): SqliteConnection => {
    const db = new Database(path)
    return {
      exec: (sql) => void db.exec(sql),
      // better-sqlite3's statements already have the shape: run, get and all with positional parameters.
      prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement,
      close: () => void db.close(),
    }
  },
  {
    // The thread loads the very copy of better-sqlite3 this module resolved, wherever the host keeps it.
    checkpointer: checkpointThread(() => `return new (require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}))(path)`),
  },
)
