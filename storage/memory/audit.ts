import type { AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'

/**
 * An in-memory audit log in arrival order. `maxEntries` is a hard cap (oldest dropped
 * first) so memory stays bounded even before the retention job runs.
 */
export class MemoryAuditStore implements AuditStore {
  #records: AuditRecord[] = []
  readonly #maxEntries: number

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000
  }

  append(record: AuditRecord): void {
    this.#records.push(Object.freeze({ ...record }))
    // Trim in batches: one splice per 1% of the cap instead of one per append.
    if (this.#records.length > this.#maxEntries * 1.01) this.#records = this.#records.slice(-this.#maxEntries)
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    const out: AuditRecord[] = []
    const limit = filter.limit ?? Infinity
    const start = Math.max(0, this.#records.length - this.#maxEntries)
    for (let i = this.#records.length - 1; i >= start && out.length < limit; i--) {
      const r = this.#records[i]!
      if (filter.user !== undefined && r.user !== filter.user) continue
      if (filter.outcome !== undefined && r.outcome !== filter.outcome) continue
      if (filter.from !== undefined && r.time < filter.from) continue
      if (filter.to !== undefined && r.time >= filter.to) continue
      out.push(r)
    }
    return out
  }

  prune(retention: AuditRetention): number {
    const before = this.#records.length
    let kept = this.#records
    if (retention.before !== undefined) kept = kept.filter((r) => r.time >= retention.before!)
    if (retention.keep !== undefined && kept.length > retention.keep) kept = kept.slice(kept.length - retention.keep)
    this.#records = kept
    return before - kept.length
  }
}
