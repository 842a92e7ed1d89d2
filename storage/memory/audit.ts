import type { AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'

/** The text fields of a record; each is a column of the ring. */
const textFields = ['event', 'outcome', 'reason', 'detail', 'user', 'owner', 'via', 'tokenId', 'method', 'path', 'client'] as const
type TextField = (typeof textFields)[number]
// A field added to AuditRecord fails to compile here until it has a column, instead of being dropped.
const everyField: Exclude<keyof AuditRecord, TextField | 'time' | 'degraded'> extends never ? true : never = true
void everyField

/** Distinct request strings (paths, client addresses, methods) kept once each, at most. */
const maxInterned = 1024

/**
 * An in-memory audit log in arrival order: a ring of at most `maxEntries` records, the
 * oldest overwritten first (10,000 by default: this store is for tests and demos). Memory
 * stays bounded before the retention job runs, and an append costs the same at the cap
 * as below it.
 *
 * The ring holds columns (a number array of times, a string array per field), not the
 * record objects, and keeps one copy of each distinct path, client address and method: a
 * kept record object, its boxed time and its fresh path string outlive the collector's
 * young generation, which then copies and promotes them, about 3 µs a request in a busy
 * HTTP server. Records are rebuilt, frozen, when queried.
 */
export class MemoryAuditStore implements AuditStore {
  #times: number[] = []
  #columns = emptyColumns()
  #degraded: boolean[] = []
  /** Index of the oldest record in the ring. */
  #head = 0
  readonly #maxEntries: number
  readonly #interned = new Map<string, string>()

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  append(record: AuditRecord): void {
    const full = this.#times.length >= this.#maxEntries
    const at = full ? this.#head : this.#times.length
    if (full) this.#head = (this.#head + 1) % this.#maxEntries
    this.#times[at] = record.time
    this.#degraded[at] = record.degraded === true
    // Written out, not looped over `textFields`: a loop reads the record by a changing key,
    // a lookup V8 cannot specialise, on every request. The test "answers exactly the fields
    // a record had" fails for a column left out here.
    const c = this.#columns
    c.event[at] = record.event
    c.outcome[at] = record.outcome
    c.reason[at] = record.reason
    c.detail[at] = record.detail
    c.user[at] = record.user
    c.owner[at] = record.owner
    c.via[at] = record.via
    c.tokenId[at] = record.tokenId
    c.method[at] = this.#intern(record.method)
    c.path[at] = this.#intern(record.path)
    c.client[at] = this.#intern(record.client)
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    const out: AuditRecord[] = []
    const limit = filter.limit ?? Infinity
    const { user, outcome } = this.#columns
    const size = this.#times.length
    for (let n = size - 1; n >= 0 && out.length < limit; n--) {
      const at = (this.#head + n) % size
      const time = this.#times[at]!
      if (filter.user !== undefined && user[at] !== filter.user) continue
      if (filter.outcome !== undefined && outcome[at] !== filter.outcome) continue
      if (filter.from !== undefined && time < filter.from) continue
      if (filter.to !== undefined && time >= filter.to) continue
      out.push(this.#record(at))
    }
    return out
  }

  prune(retention: AuditRetention): number {
    const size = this.#times.length
    let kept: number[] = []
    for (let n = 0; n < size; n++) {
      const at = (this.#head + n) % size
      if (retention.before === undefined || this.#times[at]! >= retention.before) kept.push(at)
    }
    if (retention.keep !== undefined && kept.length > retention.keep) kept = kept.slice(kept.length - retention.keep)
    const columns = emptyColumns()
    for (const field of textFields) columns[field] = kept.map((at) => this.#columns[field][at])
    this.#times = kept.map((at) => this.#times[at]!)
    this.#degraded = kept.map((at) => this.#degraded[at]!)
    this.#columns = columns
    this.#head = 0
    return size - kept.length
  }

  #record(at: number): AuditRecord {
    const record: Record<string, unknown> = { time: this.#times[at] }
    for (const field of textFields) {
      const value = this.#columns[field][at]
      if (value !== undefined) record[field] = value
    }
    if (this.#degraded[at]) record.degraded = true
    return Object.freeze(record) as unknown as AuditRecord
  }

  /** The kept copy of a string, so that a busy log holds one per distinct value; past the bound, strings are kept as they come. */
  #intern(value: string): string {
    const known = this.#interned.get(value)
    if (known !== undefined) return known
    if (this.#interned.size < maxInterned) this.#interned.set(value, value)
    return value
  }
}

function emptyColumns(): Record<TextField, (string | undefined)[]> {
  return Object.fromEntries(textFields.map((field) => [field, []])) as unknown as Record<TextField, (string | undefined)[]>
}
