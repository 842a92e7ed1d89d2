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

/**
 * The audit log in SQLite, indexed by time, user and outcome. Records come back newest
 * first. Retention (`prune`) runs in one transaction, by age and by count.
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

  constructor(db: SqliteConnection, transaction: Transaction) {
    this.#db = db
    this.#transaction = transaction
    this.#append = db.prepare(`INSERT INTO audit_log (${columns}) VALUES (${fields.map(() => '?').join(', ')})`)
    this.#pruneByAge = db.prepare('DELETE FROM audit_log WHERE time < ?')
    this.#pruneByCount = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)')
  }

  append(record: AuditRecord): void {
    this.#append.run(...toValues(record))
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
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
