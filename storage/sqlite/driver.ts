/**
 * The few SQLite calls the stores make, so one store runs on better-sqlite3 (Node 20+)
 * and on `node:sqlite` (Deno, Node 22.5+) alike. Both libraries already have this shape;
 * their driver modules only open the file. Any other synchronous SQLite binding fits the
 * same way.
 */

/** A value bound to a parameter or read from a column. */
export type SqliteValue = null | number | bigint | string | Uint8Array

/** One result row, by column name. */
export type SqliteRow = Readonly<Record<string, SqliteValue>>

/** A prepared statement, prepared once and run many times with positional `?` parameters. */
export interface SqliteStatement {
  /** Runs a statement that returns no rows. */
  run(...params: SqliteValue[]): { readonly changes: number | bigint }
  /** The first row, or `undefined` when there is none. */
  get(...params: SqliteValue[]): SqliteRow | undefined
  /** Every row. */
  all(...params: SqliteValue[]): SqliteRow[]
}

/** An open, synchronous connection to one database file. */
export interface SqliteConnection {
  /** Runs one or more statements without parameters (schema, pragmas). */
  exec(sql: string): void
  prepare(sql: string): SqliteStatement
  close(): void
}

/**
 * Opens a database file, creating it when missing. Pass one to `openSqliteStores`:
 * `betterSqlite3` (from `portcullis/storage/sqlite/better-sqlite3`) on Node, `nodeSqlite`
 * (from `portcullis/storage/sqlite/node-sqlite`) on Deno and Node 22.5+.
 *
 * @example
 * ```ts
 * import type { SqliteDriver } from 'portcullis/storage/sqlite'
 * import { Database } from 'bun:sqlite'
 * const bunSqlite: SqliteDriver = (path) => {
 *   const db = new Database(path, { create: true })
 *   return { exec: (sql) => void db.exec(sql), prepare: (sql) => db.prepare(sql), close: () => db.close() }
 * }
 * ```
 */
export interface SqliteDriver {
  (path: string): SqliteConnection
  /**
   * Starts checkpointing the file's WAL from a thread of its own, with a connection of its
   * own: a passive checkpoint (`PRAGMA wal_checkpoint(PASSIVE)`) every `everyMs`, so the
   * checkpoints' disk syncs never stall the thread serving requests. Optional: without
   * it, SQLite checkpoints after commits, on the committing thread.
   */
  readonly checkpointer?: (path: string, options: SqliteCheckpointerOptions) => SqliteCheckpointer
}

/** How a {@link SqliteDriver}'s checkpointer runs. */
export interface SqliteCheckpointerOptions {
  /** Pause between two checkpoints. */
  readonly everyMs: number
  /** Receives why the checkpointer stopped on its own (it could not open the file, say). */
  readonly onStop: (error: Error) => void
}

/** A running checkpointer. */
export interface SqliteCheckpointer {
  /** Stops it, which closes its connection; a checkpoint under way finishes first. */
  close(): void
}
