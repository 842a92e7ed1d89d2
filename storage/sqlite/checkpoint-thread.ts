import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { SqliteCheckpointer, SqliteCheckpointerOptions } from './driver.ts'

/** Longest `close()` waits for the thread to close its connection (one starting up takes some 50 ms). */
const closeTimeoutMs = 5000

/**
 * A {@link SqliteDriver} checkpointer on a worker thread (`node:worker_threads`, which
 * Node and Deno have): every `everyMs`, a passive checkpoint over a connection of its own
 * copies the committed pages into the database file and syncs both files. Those syncs
 * are most of a checkpoint's time; on the thread that commits (SQLite's automatic
 * checkpoint) they stall it, and every request waiting on it, for milliseconds. A
 * passive checkpoint never blocks the writer, nor waits for it.
 *
 * `open` gives the body of a CommonJS function of `path` that returns the thread's
 * connection (any object with `prepare(sql).get()` and `close()`): each driver knows how
 * to load its library there. It is asked on the first start, so a driver whose library
 * cannot be located there fails that start (and checkpoints stay inline), not its import.
 *
 * The thread holds no reference on the event loop: a process that never closes its
 * stores still exits. `close()` waits (a few milliseconds, up to {@link closeTimeoutMs})
 * until the thread has closed its connection, so that the caller's connection, closed
 * next, is the last one: SQLite then folds the WAL back into the file and removes it.
 */
export function checkpointThread(open: () => string): (path: string, options: SqliteCheckpointerOptions) => SqliteCheckpointer {
  let source: string | undefined
  return (path, options) => {
    source ??= workerSource(open())
    const closed = new Int32Array(new SharedArrayBuffer(4))
    // Absolute now: the thread opens the file later, after the process may have changed directory.
    const worker = new Worker(source, { eval: true, workerData: { path: resolve(path), everyMs: options.everyMs, closed } })
    let stopping = false
    const stopped = (error: Error) => {
      if (stopping) return
      stopping = true
      options.onStop(error)
    }
    worker.on('error', (error) => stopped(error instanceof Error ? error : new Error(String(error))))
    worker.on('exit', (code) => stopped(new Error(`the checkpoint thread exited (code ${code})`)))
    // The thread's connection is closed either way: end it (Deno's port has no close() to let it end by itself).
    worker.on('message', (message: { failed?: string }) => {
      if (message.failed !== undefined) stopped(new Error(message.failed))
      void worker.terminate()
    })
    worker.unref()
    return {
      close() {
        if (stopping) return
        stopping = true
        worker.postMessage('close')
        Atomics.wait(closed, 0, 0, closeTimeoutMs)
      },
    }
  }
}

// Failures go to the parent as messages, not as uncaught errors, which Deno prints even when handled.
function workerSource(open: string): string {
  return `
const { parentPort, workerData } = require('node:worker_threads')
let db
let checkpoint
let timer
const fail = (error) => {
  clearTimeout(timer)
  try {
    db?.close()
  } catch {}
  parentPort.postMessage({ failed: String((error && error.message) || error) })
}
const tick = () => {
  try {
    db ??= ((path) => { ${open} })(workerData.path)
    checkpoint ??= db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
    checkpoint.get()
  } catch (error) {
    // Busy: the writer is starting the WAL over, or another connection checkpoints; a later tick catches up.
    if (!/busy|locked/i.test(String(error && error.message))) return fail(error)
  }
  timer = setTimeout(tick, workerData.everyMs)
}
timer = setTimeout(tick, workerData.everyMs)
parentPort.on('message', () => {
  clearTimeout(timer)
  try {
    db?.close()
  } finally {
    Atomics.store(workerData.closed, 0, 1)
    Atomics.notify(workerData.closed, 0)
    parentPort.postMessage({ closed: true })
  }
})
`
}
