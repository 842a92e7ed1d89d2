import type { AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'

/**
 * An in-memory audit log in arrival order: a ring of at most `maxEntries` records, the
 * oldest overwritten first (10,000 by default: this store is for tests and demos). Memory
 * stays bounded before the retention job runs, and an append costs the same at the cap
 * as below it.
 */
export class MemoryAuditStore implements AuditStore {
  #ring: AuditRecord[] = []
  /** Index of the oldest record in the ring. */
  #head = 0
  readonly #maxEntries: number

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  append(record: AuditRecord): void {
    // Frozen in place rather than copied: records are immutable by contract, and at 100k
    // retained records a second object per append doubles the garbage collector's work.
    const copy = Object.freeze(record)
    if (this.#ring.length < this.#maxEntries) {
      this.#ring.push(copy)
    } else {
      this.#ring[this.#head] = copy
      this.#head = (this.#head + 1) % this.#maxEntries
    }
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    const out: AuditRecord[] = []
    const limit = filter.limit ?? Infinity
    const ring = this.#ring
    for (let n = ring.length - 1; n >= 0 && out.length < limit; n--) {
      const r = ring[(this.#head + n) % ring.length]!
      if (filter.user !== undefined && r.user !== filter.user) continue
      if (filter.outcome !== undefined && r.outcome !== filter.outcome) continue
      if (filter.from !== undefined && r.time < filter.from) continue
      if (filter.to !== undefined && r.time >= filter.to) continue
      out.push(r)
    }
    return out
  }

  prune(retention: AuditRetention): number {
    const ordered = [...this.#ring.slice(this.#head), ...this.#ring.slice(0, this.#head)]
    let kept = ordered
    if (retention.before !== undefined) kept = kept.filter((r) => r.time >= retention.before!)
    if (retention.keep !== undefined && kept.length > retention.keep) kept = kept.slice(kept.length - retention.keep)
    this.#ring = kept
    this.#head = 0
    return ordered.length - kept.length
  }
}
