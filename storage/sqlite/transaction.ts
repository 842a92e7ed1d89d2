import type { SqliteConnection } from './driver.ts'

/** Runs a function inside a transaction and returns its result. */
export type Transaction = <T>(body: () => T) => T

/**
 * Write transactions for one connection. `BEGIN IMMEDIATE` takes the write lock before
 * the first read, so a check-then-write (token count, rate-limit log) cannot interleave
 * with another connection or process; a busy database waits up to `busy_timeout`, then
 * throws. A throwing body rolls everything back.
 */
export function transactions(db: SqliteConnection): Transaction {
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  let open = false
  return (body) => {
    if (open) throw new TypeError('transaction: already inside a transaction')
    begin.run()
    open = true
    try {
      const result = body()
      commit.run()
      return result
    } catch (error) {
      // SQLite may have rolled back already (SQLITE_FULL, SQLITE_IOERR); the first error is the one to report.
      try {
        rollback.run()
      } catch {}
      throw error
    } finally {
      open = false
    }
  }
}
