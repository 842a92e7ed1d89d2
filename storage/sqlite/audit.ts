import type { AuditOutcomeName, AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'
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

/**
 * Rows of the largest multi-row INSERT. Its 64 x 13 parameters stay under 999, the limit
 * of SQLite builds before 3.32, so the SQLite of any driver takes it; larger statements
 * measured no faster.
 */
const maxRowsPerInsert = 64

const fields = Object.keys(columnOf) as (keyof AuditRecord)[]
const columns = fields.map((field) => columnOf[field]).join(', ')
const rowPlaceholders = `(${fields.map(() => '?').join(', ')})`

function toRecord(row: SqliteRow): AuditRecord {
  const record: Record<string, unknown> = {}
  for (const field of fields) {
    const value = row[columnOf[field]]
    if (value === null || value === undefined) continue
    record[field] = field === 'degraded' ? true : field === 'time' ? Number(value) : value
  }
  return Object.freeze(record) as unknown as AuditRecord
}

/**
 * The parameters of `count` rows of a multi-row INSERT, from `records[start]` on, in the
 * order of `columnOf`. Written out, not looped over the fields: a loop reads each record
 * by a changing key, which V8 cannot specialise (the test "round-trips every audit
 * field" fails for a field out of place here).
 */
function toValues(records: readonly AuditRecord[], start: number, count: number): SqliteValue[] {
  const values: SqliteValue[] = new Array(count * fields.length)
  let at = 0
  for (let i = start; i < start + count; i++) {
    const r = records[i]!
    values[at++] = r.time
    values[at++] = r.event
    values[at++] = r.outcome
    values[at++] = r.reason
    values[at++] = r.detail ?? null
    values[at++] = r.user ?? null
    values[at++] = r.owner ?? null
    values[at++] = r.via ?? null
    values[at++] = r.tokenId ?? null
    values[at++] = r.method
    values[at++] = r.path
    values[at++] = r.client
    values[at++] = r.degraded ? 1 : null
  }
  // A field added to `columnOf` and not above would shift every later parameter: fail the write instead.
  if (at !== values.length) throw new TypeError(`audit: ${at / count} values a row, expected ${fields.length}`)
  return values
}

const filters = [
  ['user', 'username = ?'],
  ['outcome', 'outcome = ?'],
  ['from', 'time >= ?'],
  ['to', 'time < ?'],
] as const

/** The outcome that the outcome index leaves out (schema migration 2). */
const unindexedOutcome: AuditOutcomeName = 'success'

/**
 * The SELECT of an audit query and its parameters. Each combination of filters is a
 * statement of its own, so SQLite picks the index that fits it (user, outcome or time).
 */
export function auditQuerySql(filter: AuditQuery): { readonly sql: string; readonly params: SqliteValue[] } {
  const where: string[] = []
  const params: SqliteValue[] = []
  for (const [name, sql] of filters) {
    const value = filter[name]
    if (value === undefined) continue
    where.push(sql)
    params.push(value)
  }
  // SQLite uses a partial index only for a query whose WHERE states the index's own condition.
  if (filter.outcome !== undefined && filter.outcome !== unindexedOutcome) where.push(`outcome <> '${unindexedOutcome}'`)
  params.push(filter.limit ?? -1)
  return { sql: `SELECT ${columns} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY time DESC, id DESC LIMIT ?`, params }
}

/** How long appended records wait for others before their commit, by default. */
export const defaultCommitDelayMs = 5
/**
 * The longest commit window: a file that starts refusing writes is noticed when the
 * window ends, and until then requests are answered while their records wait.
 */
export const maxCommitDelayMs = 100

/** Options of {@link SqliteAuditStore}. */
export interface SqliteAuditOptions {
  /**
   * How long a record waits for others before they are committed together, in ms: one
   * commit per window, not per request. A commit has a fixed cost (about 45 µs here), so
   * a busy server committing every event-loop turn, a few records each, would spend
   * several times the cost of a record on it. A crash of the process loses the records of
   * the window it was in, and a file that starts refusing writes is noticed when the
   * window ends (then requests fail closed). `0`: commit at the end of each event-loop
   * turn. Default 5, at most 100.
   */
  readonly commitDelayMs?: number
  /**
   * Receives a write the file refused (the batch stays pending and is retried once a
   * second; meanwhile appends throw). Default `console.error`. What it throws is ignored.
   */
  readonly onError?: (error: unknown) => void
}

/**
 * The audit log in SQLite, indexed by time, by user, and by outcome for every outcome but
 * success (a query for success walks the time index). Records come back newest first.
 * Retention (`prune`) runs in one transaction, by age and by count.
 *
 * Appends are group-committed: the records of a short window (`commitDelayMs`, 5 ms by
 * default) are written together, in one transaction, when it ends, or every
 * {@link batchSize} records, whichever comes first. A commit of its own per record would
 * cost a WAL write per request (about 45 µs here, more than the whole decision); one per
 * window costs a few µs per record. The price is the window: a crash of the process
 * loses the records not yet written, those of the current window (at most
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
  /** One INSERT per power of two up to {@link maxRowsPerInsert} rows, largest first. */
  readonly #inserts: readonly { readonly rows: number; readonly statement: SqliteStatement }[]
  readonly #pruneByAge
  readonly #pruneByCount
  readonly #queries = new Map<string, SqliteStatement>()
  readonly #onError: (error: unknown) => void
  readonly #commitDelayMs: number
  #pending: AuditRecord[] = []
  /** The scheduled write: the end of this window, or a retry. */
  #scheduled: { cancel(): void } | undefined
  /** Why the last write failed, until one succeeds. */
  #refused: unknown
  #closed = false

  constructor(db: SqliteConnection, transaction: Transaction, options: SqliteAuditOptions = {}) {
    this.#db = db
    this.#transaction = transaction
    this.#onError = options.onError ?? ((error: unknown) => console.error('portcullis: audit write to SQLite failed; retrying every second', error))
    const delay = options.commitDelayMs ?? defaultCommitDelayMs
    if (!(Number.isFinite(delay) && delay >= 0 && delay <= maxCommitDelayMs)) throw new TypeError(`audit.commitDelayMs: expected a number of milliseconds from 0 to ${maxCommitDelayMs}, got ${delay}`)
    this.#commitDelayMs = delay
    const inserts = []
    for (let rows = maxRowsPerInsert; rows >= 1; rows >>= 1) {
      inserts.push({ rows, statement: db.prepare(`INSERT INTO audit_log (${columns}) VALUES ${Array(rows).fill(rowPlaceholders).join(', ')}`) })
    }
    this.#inserts = inserts
    this.#pruneByAge = db.prepare('DELETE FROM audit_log WHERE time < ?')
    this.#pruneByCount = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)')
  }

  /** Queues a record for the write at the end of this window. */
  append(record: AuditRecord): void {
    if (this.#closed) throw new Error('audit: the store is closed')
    if (this.#refused !== undefined) {
      throw new Error('audit: the database refused the last write; refusing requests until a retry succeeds', { cause: this.#refused })
    }
    this.#pending.push(record)
    // A caller that never yields to the event loop (a script, a test) would never see the window end.
    if (this.#pending.length >= batchSize) this.#write()
    else if (this.#commitDelayMs === 0) this.#schedule(setImmediate, clearImmediate, 0, true)
    else this.#schedule(setTimeout, clearTimeout, this.#commitDelayMs, true)
  }

  /** Writes the pending records now, in one transaction. Throws what the database threw; the records stay pending. */
  flush(): void {
    if (this.#pending.length === 0) return
    const batch = this.#pending
    this.#transaction(() => {
      // Rows go in through the largest statement that fits: each run has a fixed cost (the call
      // into the driver, a reset) near that of inserting a row, so 256 rows take 4 runs, not 256.
      let start = 0
      while (start < batch.length) {
        const { rows, statement } = this.#inserts.find((insert) => insert.rows <= batch.length - start)!
        statement.run(...toValues(batch, start, rows))
        start += rows
      }
    })
    // Appends during the write are impossible (it is synchronous), so the batch is all there was.
    this.#pending = []
    if (this.#refused !== undefined) {
      // A write from outside (a query, a prune) succeeded: the retry is moot, and new
      // appends must get their commit window, not wait for it.
      this.#refused = undefined
      this.#cancelScheduled()
    }
  }

  /** Stops the writer and writes what is pending; throws, naming how many records were lost, if the file refuses them. */
  close(): void {
    this.#closed = true
    this.#cancelScheduled()
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
      // While the file refuses, retry once a second (each try may wait busy_timeout), in
      // place of a commit window that was still to come.
      this.#cancelScheduled()
      this.#schedule(setTimeout, clearTimeout, 1000, false)
      try {
        this.#onError(error)
      } catch {}
    }
  }

  #cancelScheduled(): void {
    this.#scheduled?.cancel()
    this.#scheduled = undefined
  }

  /** Schedules one write, unless one is already scheduled. A retry does not keep the process alive; a pending commit does. */
  #schedule<T>(set: (run: () => void, ms: number) => T, clear: (timer: T) => void, ms: number, keepAlive: boolean): void {
    if (this.#scheduled || this.#closed) return
    const timer = set(() => {
      this.#scheduled = undefined
      this.#write()
    }, ms)
    if (!keepAlive) unref(timer)
    this.#scheduled = { cancel: () => clear(timer) }
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    // Reads work while writes fail (WAL): answer with what is on disk.
    if (this.#refused === undefined) this.flush()
    const { sql, params } = auditQuerySql(filter)
    let statement = this.#queries.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      this.#queries.set(sql, statement)
    }
    return statement.all(...params).map(toRecord)
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
}

/** Lets the process exit with a write scheduled: Node's timers have `unref`, Deno's are numbers. */
function unref(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) (timer as { unref(): void }).unref()
  else if (typeof timer === 'number') (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer)
}
