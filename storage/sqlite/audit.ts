import type { AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'
import type { SqliteConnection, SqliteRow, SqliteStatement, SqliteValue } from './driver.ts'
import type { Transaction } from './transaction.ts'

/**
 * The column of every record field. Typed against `AuditRecord`, so a field added there
 * fails to compile here until it has a column (and a migration), instead of being
 * dropped on the way to disk.
 */
const columnOf = {
  time: 'time',
  event: 'event',
  outcome: 'outcome',
  reason: 'reason',
  detail: 'detail',
  user: 'username',
  owner: 'owner',
  via: 'via',
  tokenId: 'token_id',
  method: 'method',
  path: 'path',
  client: 'client',
  degraded: 'degraded',
} as const satisfies Record<keyof AuditRecord, string>

/** Records written in one transaction at most, before the turn ends. */
export const batchSize = 256

const fields = Object.keys(columnOf) as (keyof AuditRecord)[]
const columns = fields.map((field) => columnOf[field]).join(', ')

function toRecord(row: SqliteRow): AuditRecord {
  const record: Record<string, unknown> = {}
  for (const field of fields) {
    const value = row[columnOf[field]]
    if (value === null || value === undefined) continue
    record[field] = field === 'degraded' ? true : field === 'time' ? Number(value) : value
  }
  return Object.freeze(record) as unknown as AuditRecord
}

function toValues(record: AuditRecord): SqliteValue[] {
  return fields.map((field) => {
    const value = record[field]
    if (field === 'degraded') return value ? 1 : null
    return (value ?? null) as SqliteValue
  })
}

// The filters a query can combine; each combination gets its own statement, so SQLite
// picks the index that fits (user, outcome or time).
const filters = [
  ['user', 'username = ?'],
  ['outcome', 'outcome = ?'],
  ['from', 'time >= ?'],
  ['to', 'time < ?'],
] as const

/** Options of {@link SqliteAuditStore}. */
export interface SqliteAuditOptions {
  /**
   * Receives a write the file refused (the batch stays pending and is retried once a
   * second; meanwhile appends throw). Default `console.error`. What it throws is ignored.
   */
  readonly onError?: (error: unknown) => void
}

/**
 * The audit log in SQLite, indexed by time, user and outcome. Records come back newest
 * first. Retention (`prune`) runs in one transaction, by age and by count.
 *
 * Appends are group-committed: the records of one event-loop turn are written together,
 * in one transaction, when the turn ends (`setImmediate`), or every {@link batchSize}
 * records for a caller that keeps the turn going. A commit of its own per record
 * would cost a WAL write per request (about 40 µs here, more than the whole decision);
 * one per turn costs a few µs per record. The price is the window: a crash of the
 * process loses the records not yet written, those of the current turn (at most
 * {@link batchSize}). `query`, `prune` and `close` write what is pending first.
 *
 * A batch the file refuses (disk full, locked past `busy_timeout`) stays pending and is
 * retried once a second; until a write succeeds, `append` throws, so requests fail
 * closed (503) rather than go unaudited, as they did when each append was its own commit.
 *
 * @example
 * ```ts
 * const { audit } = openSqliteStores({ path: 'auth.sqlite', driver: betterSqlite3 })
 * audit.query({ user: 'alice', outcome: 'unauthorized', limit: 20 })
 * audit.prune({ before: Date.now() - 90 * 86_400_000, keep: 1_000_000 })
 * ```
 */
export class SqliteAuditStore implements AuditStore {
  readonly #db: SqliteConnection
  readonly #transaction: Transaction
  readonly #append
  readonly #pruneByAge
  readonly #pruneByCount
  readonly #queries = new Map<number, SqliteStatement>()
  readonly #onError: (error: unknown) => void
  #pending: AuditRecord[] = []
  /** The scheduled write: the end of this turn, or a retry. */
  #scheduled: { cancel(): void } | undefined
  /** Why the last write failed, until one succeeds. */
  #refused: unknown
  #closed = false

  constructor(db: SqliteConnection, transaction: Transaction, options: SqliteAuditOptions = {}) {
    this.#db = db
    this.#transaction = transaction
    this.#onError = options.onError ?? ((error: unknown) => console.error('portcullis: audit write to SQLite failed; retrying every second', error))
    this.#append = db.prepare(`INSERT INTO audit_log (${columns}) VALUES (${fields.map(() => '?').join(', ')})`)
    this.#pruneByAge = db.prepare('DELETE FROM audit_log WHERE time < ?')
    this.#pruneByCount = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)')
  }

  /** Queues a record for the write at the end of this event-loop turn. */
  append(record: AuditRecord): void {
    if (this.#closed) throw new Error('audit: the store is closed')
    if (this.#refused !== undefined) {
      throw new Error('audit: the database refused the last write; refusing requests until a retry succeeds', { cause: this.#refused })
    }
    this.#pending.push(record)
    // A caller that never yields to the event loop (a script, a test) would never see the turn end.
    if (this.#pending.length >= batchSize) this.#write()
    else this.#schedule(setImmediate, clearImmediate, 0)
  }

  /** Writes the pending records now, in one transaction. Throws what the database threw; the records stay pending. */
  flush(): void {
    if (this.#pending.length === 0) return
    const batch = this.#pending
    this.#transaction(() => {
      for (const record of batch) this.#append.run(...toValues(record))
    })
    // Appends during the write are impossible (it is synchronous), so the batch is all there was.
    this.#pending = []
    this.#refused = undefined
  }

  /** Stops the writer and writes what is pending; throws, naming how many records were lost, if the file refuses them. */
  close(): void {
    this.#closed = true
    this.#scheduled?.cancel()
    this.#scheduled = undefined
    try {
      this.flush()
    } catch (error) {
      const lost = this.#pending.length
      this.#pending = []
      throw new Error(`audit: ${lost} records could not be written before close`, { cause: error })
    }
  }

  #write(): void {
    try {
      this.flush()
    } catch (error) {
      this.#refused = error
      // While the file refuses, retry once a second: each try may wait busy_timeout.
      this.#schedule(setTimeout, clearTimeout, 1000)
      try {
        this.#onError(error)
      } catch {}
    }
  }

  /** Schedules one write, unless one is already scheduled. A retry does not keep the process alive; the end of a turn does. */
  #schedule<T>(set: (run: () => void, ms: number) => T, clear: (timer: T) => void, ms: number): void {
    if (this.#scheduled || this.#closed) return
    const timer = set(() => {
      this.#scheduled = undefined
      this.#write()
    }, ms)
    if (ms > 0) unref(timer)
    this.#scheduled = { cancel: () => clear(timer) }
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    // Reads work while writes fail (WAL): answer with what is on disk.
    if (this.#refused === undefined) this.flush()
    let shape = 0
    const params: SqliteValue[] = []
    filters.forEach(([name], bit) => {
      const value = filter[name]
      if (value === undefined) return
      shape |= 1 << bit
      params.push(value)
    })
    params.push(filter.limit ?? -1)
    return this.#statement(shape).all(...params).map(toRecord)
  }

  prune(retention: AuditRetention): number {
    this.flush()
    return this.#transaction(() => {
      let removed = 0
      if (retention.before !== undefined) removed += Number(this.#pruneByAge.run(retention.before).changes)
      if (retention.keep !== undefined) removed += Number(this.#pruneByCount.run(retention.keep).changes)
      return removed
    })
  }

  #statement(shape: number): SqliteStatement {
    let statement = this.#queries.get(shape)
    if (!statement) {
      const where = filters.filter((_, bit) => shape & (1 << bit)).map(([, sql]) => sql)
      statement = this.#db.prepare(
        `SELECT ${columns} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`,
      )
      this.#queries.set(shape, statement)
    }
    return statement
  }
}

/** Lets the process exit with a write scheduled: Node's timers have `unref`, Deno's are numbers. */
function unref(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) (timer as { unref(): void }).unref()
  else if (typeof timer === 'number') (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer)
}
