/** Why a SQLite store file could not be opened. */
export type SqliteStoreErrorCode =
  | 'ERR_PORTCULLIS_SQLITE_CANNOT_OPEN'
  | 'ERR_PORTCULLIS_SQLITE_READ_ONLY'
  | 'ERR_PORTCULLIS_SQLITE_NOT_A_DATABASE'
  | 'ERR_PORTCULLIS_SQLITE_NOT_PORTCULLIS'
  | 'ERR_PORTCULLIS_SQLITE_NEWER_SCHEMA'

/**
 * Thrown by `openSqliteStores` when the file cannot be used as it is. The file is left
 * untouched; `cause` holds the driver's own error, when there is one.
 *
 * @example
 * ```ts
 * try {
 *   stores = openSqliteStores({ path, driver: betterSqlite3 })
 * } catch (error) {
 *   if (error instanceof SqliteStoreError && error.code === 'ERR_PORTCULLIS_SQLITE_NEWER_SCHEMA') upgradeFirst()
 *   throw error
 * }
 * ```
 */
export class SqliteStoreError extends Error {
  override readonly name = 'SqliteStoreError'
  readonly code: SqliteStoreErrorCode
  /** The database file. */
  readonly path: string
  constructor(code: SqliteStoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.path = path
  }
}

const primaryNames: Readonly<Record<number, string>> = {
  5: 'SQLITE_BUSY',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  26: 'SQLITE_NOTADB',
}

/**
 * The primary SQLite result code of a driver's error (`SQLITE_NOTADB`...), from
 * better-sqlite3's `code` (`SQLITE_READONLY_DIRECTORY`) or node:sqlite's numeric `errcode`.
 */
export function sqliteResultCode(error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return /^SQLITE_[A-Z]+/.exec(code)![0]
  if (typeof errcode === 'number') return primaryNames[errcode & 0xff] ?? `SQLITE_${errcode & 0xff}`
  return undefined
}
