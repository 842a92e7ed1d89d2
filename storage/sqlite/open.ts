import type { SqliteConnection, SqliteDriver } from './driver.ts'
import { SqliteStoreError, sqliteResultCode } from './errors.ts'
import { migrate } from './schema/migrations.ts'

/** How {@link openDatabase} sets the connection up. */
export interface OpenDatabaseOptions {
  /** How long a write waits for another connection's lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number
  /**
   * `normal` (the default) syncs the WAL at checkpoints only: a crash of the process loses
   * nothing, a power cut may lose the last commits but never corrupts the file. `full`
   * syncs every commit, at the cost of one disk flush per request that writes.
   */
  readonly synchronous?: 'normal' | 'full'
}

/**
 * Opens a store file: WAL mode, `busy_timeout`, foreign keys, then the schema migrations.
 * Every way the file can be unusable becomes a {@link SqliteStoreError} naming the file,
 * and the file is left as it was.
 *
 * @example
 * ```ts
 * const db = openDatabase('auth.sqlite', betterSqlite3)
 * ```
 */
export function openDatabase(path: string, driver: SqliteDriver, options: OpenDatabaseOptions = {}): SqliteConnection {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new TypeError('busyTimeoutMs: expected a non-negative integer')
  const synchronous = options.synchronous ?? 'normal'
  if (synchronous !== 'normal' && synchronous !== 'full') throw new TypeError('synchronous: expected "normal" or "full"')
  let db: SqliteConnection
  try {
    db = driver(path)
  } catch (error) {
    throw openFailure(path, error)
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}; PRAGMA foreign_keys = ON`)
    const mode = String(db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode)
    if (mode !== 'wal' && mode !== 'memory') throw new Error(`journal_mode stayed "${mode}"`)
    db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`)
    migrate(db, path)
    return db
  } catch (error) {
    try {
      db.close()
    } catch {}
    throw error instanceof SqliteStoreError ? error : openFailure(path, error)
  }
}

function openFailure(path: string, error: unknown): SqliteStoreError {
  const reason = error instanceof Error ? error.message : String(error)
  switch (sqliteResultCode(error)) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new SqliteStoreError(
        'ERR_PORTCULLIS_SQLITE_NOT_A_DATABASE',
        path,
        `${path} is not a SQLite database or is corrupt (${reason}); it was left untouched. Restore it from a backup, or move it away to start an empty store.`,
        { cause: error },
      )
    case 'SQLITE_READONLY':
      return new SqliteStoreError(
        'ERR_PORTCULLIS_SQLITE_READ_ONLY',
        path,
        `${path} cannot be written (${reason}). The store needs write access to the file and to its directory, where SQLite keeps the -wal and -shm files.`,
        { cause: error },
      )
    default:
      return new SqliteStoreError(
        'ERR_PORTCULLIS_SQLITE_CANNOT_OPEN',
        path,
        `cannot open ${path} (${reason}). Check that its directory exists and that this process may read and write there.`,
        { cause: error },
      )
  }
}
