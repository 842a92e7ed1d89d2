import type { SqliteCheckpointer, SqliteConnection, SqliteDriver } from './driver.ts'

/** Pages the WAL may reach before the committing thread checkpoints (SQLite's default). */
const inlineCheckpointPages = 1000
/**
 * The same while a checkpointer runs. Under unbroken writes its checkpoints keep the WAL
 * copied but never see it whole (a commit lands during each), and only a checkpoint
 * between two commits lets SQLite start the WAL over: the committing thread's, which
 * then finds almost nothing left to copy. Its syncs still stall, so it should be rare.
 */
const backgroundCheckpointPages = 4000
/** Pause between two checkpoints of the checkpointer: a few hundred pages at most under load. */
const checkpointEveryMs = 50

/**
 * Moves the WAL checkpoints of `db` to the driver's checkpointer when it has one;
 * otherwise, or once the checkpointer stops (reported to `onError`), SQLite checkpoints
 * after commits, as usual. Returns the checkpointer, to close with the connection.
 */
export function checkpointInBackground(db: SqliteConnection, path: string, driver: SqliteDriver, onError: (error: unknown) => void): SqliteCheckpointer | undefined {
  // A database in memory has no WAL, and another connection would open another database.
  if (driver.checkpointer === undefined || path === '' || path === ':memory:') return undefined
  const inline = (error: Error) => {
    try {
      db.exec(`PRAGMA wal_autocheckpoint = ${inlineCheckpointPages}`)
    } catch {
      // The connection is closed: nothing is left to checkpoint from here.
      return
    }
    onError(new Error(`WAL checkpoints of ${path} stopped on their thread (${error.message}); this thread checkpoints after commits instead`, { cause: error }))
  }
  db.exec(`PRAGMA wal_autocheckpoint = ${backgroundCheckpointPages}`)
  try {
    return driver.checkpointer(path, { everyMs: checkpointEveryMs, onStop: inline })
  } catch (error) {
    // No thread at all (a runtime without workers, a library the thread cannot locate): checkpoint here.
    inline(error instanceof Error ? error : new Error(String(error)))
    return undefined
  }
}
