import type { AuditQuery, AuditRecord, AuditStore } from '../types.ts'

/** An in-memory audit log, oldest first internally, bounded by `maxEntries` (oldest dropped). */
export class MemoryAuditStore implements AuditStore {
  readonly #records: AuditRecord[] = []
  readonly #maxEntries: number

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
  }

  append(record: AuditRecord): void {
    this.#records.push(Object.freeze({ ...record }))
    if (this.#records.length > this.#maxEntries) this.#records.splice(0, this.#records.length - this.#maxEntries)
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    const out: AuditRecord[] = []
    const limit = filter.limit ?? Infinity
    for (let i = this.#records.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.#records[i]!
      if (filter.user !== undefined && r.user !== filter.user) continue
      if (filter.outcome !== undefined && r.outcome !== filter.outcome) continue
      if (filter.from !== undefined && r.time < filter.from) continue
      if (filter.to !== undefined && r.time >= filter.to) continue
      out.push(r)
    }
    return out
  }
}
