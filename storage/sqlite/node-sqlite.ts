// @ts-ignore: node:sqlite ships with Deno and Node 22.5+; @types/node 20 does not declare it.
import { DatabaseSync } from 'node:sqlite'
import { checkpointThread } from './checkpoint-thread.ts'
import type { SqliteConnection, SqliteDriver, SqliteStatement } from './driver.ts'

interface DatabaseSyncLike {
  exec(sql: string): void
  prepare(sql: string): SqliteStatement
  close(): void
}

const Database = DatabaseSync as new (path: string) => DatabaseSyncLike

/**
 * The SQLite driver for Deno and Node 22.5+: the runtime's built-in `node:sqlite`
 * (`DatabaseSync`). Nothing to install. Deno needs `--allow-read` and `--allow-write` for
 * the file.
 *
 * @example
 * ```ts
 * import { openSqliteStores } from 'npm:portcullis/storage/sqlite'
 * import { nodeSqlite } from 'npm:portcullis/storage/sqlite/node-sqlite'
 * const stores = openSqliteStores({ path: 'portcullis.sqlite', driver: nodeSqlite })
 * ```
 */
export const nodeSqlite: SqliteDriver = Object.assign(
  (path: string): SqliteConnection => {
    const db = new Database(path)
    return {
      exec: (sql) => db.exec(sql),
      // node:sqlite's StatementSync already has the shape: run, get and all with positional parameters.
      prepare: (sql) => db.prepare(sql),
      close: () => db.close(),
    }
  },
  { checkpointer: checkpointThread(() => "return new (require('node:sqlite').DatabaseSync)(path)") },
)
