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
   * Records waiting for their write at most; past it, `append` throws and the request is
   * refused with a 503 (fail closed) until the file takes writes again. Default 10 000.
   */
  readonly maxPending?: number
  /** Receives a failed write of a batch (the batch stays pending and is retried). Default `console.error`. */
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
 * process loses the records of the turn it was in. `query`, `prune` and `close` write
 * what is pending first. A batch the file refuses (disk full, locked past `busy_timeout`)
 * stays pending and is retried at the next turn; `append` throws once `maxPending`
 * records wait, so requests fail closed rather than go unaudited.
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
  readonly #maxPending: number
  readonly #onError: (error: unknown) => void
  #pending: AuditRecord[] = []
  #scheduled = false
  /** The last write failed: wait for the retry instead of trying again at every batch. */
  #failing = false

  constructor(db: SqliteConnection, transaction: Transaction, options: SqliteAuditOptions = {}) {
    const maxPending = options.maxPending ?? 10_000
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new TypeError('maxPending: expected a positive integer')
    this.#db = db
    this.#transaction = transaction
    this.#maxPending = maxPending
    this.#onError = options.onError ?? ((error: unknown) => console.error('portcullis: audit write to SQLite failed; retrying', error))
    this.#append = db.prepare(`INSERT INTO audit_log (${columns}) VALUES (${fields.map(() => '?').join(', ')})`)
    this.#pruneByAge = db.prepare('DELETE FROM audit_log WHERE time < ?')
    this.#pruneByCount = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)')
  }

  /** Queues a record for the write at the end of this event-loop turn. */
  append(record: AuditRecord): void {
    if (this.#pending.length >= this.#maxPending) {
      throw new Error(`audit: ${this.#pending.length} records wait for a write the database keeps refusing; refusing requests until it takes them`)
    }
    this.#pending.push(record)
    // A caller that never yields to the event loop (a script, a test) would never see the turn end.
    if (this.#pending.length >= batchSize && !this.#failing) this.#write()
    else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#scheduledWrite)
    }
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
  }

  readonly #scheduledWrite = (): void => {
    this.#scheduled = false
    this.#write()
  }

  #write(): void {
    try {
      this.flush()
      this.#failing = false
    } catch (error) {
      this.#onError(error)
      // While the file refuses, retry once a second, not at every append: each try may wait busy_timeout.
      this.#failing = true
      if (!this.#scheduled) {
        this.#scheduled = true
        setTimeout(this.#scheduledWrite, 1000).unref?.()
      }
    }
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    this.flush()
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
