import { randomBytes } from 'node:crypto'
import type { AuditQuery, AuditRecord, AuditRetention, AuditStore } from '../types.ts'
import { TurnBatcher } from './batch.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'
import { pruneAuditScript } from './scripts/prune-audit.ts'
import { runScript } from './scripts/run.ts'

/** Options of {@link RedisAuditStore}. */
export interface RedisAuditOptions {
  /** Hard cap on stored records, oldest dropped first on append. Default 100 000. */
  readonly maxEntries?: number
  /**
   * `"enqueue"` (default): while the connection is up, `append` queues the record for
   * the write at the end of the event-loop turn and returns without waiting for Redis to
   * acknowledge it, so auditing adds no round trip to a request; a failed write is
   * reported to `onError`, once per write. While the connection is down, `append` waits
   * for its write like any store call, so the request fails closed. `"acknowledged"`:
   * always wait.
   */
  readonly append?: 'enqueue' | 'acknowledged'
  /** Receives failures of enqueued appends. Default `console.error`. */
  readonly onError?: (error: unknown) => void
}

// A member is an 8-character instance tag, a 10-digit base36 counter, a colon and the JSON.
const memberPrefix = 19
const page = 500

/** A record waiting for its batch's write; a caller that waits for it holds the resolvers. */
interface Append {
  readonly time: number
  readonly member: string
  readonly resolve?: () => void
  readonly reject?: (error: unknown) => void
}

/**
 * The audit log in one sorted set scored by record time: time-window queries and age
 * retention are range operations, count retention is a rank range, and a hard cap is
 * enforced on every write. Filters by user and outcome are applied while reading newest
 * first, page by page.
 *
 * Appends are group-committed: the records of one event-loop turn go to Redis as one
 * ZADD of many members and one trim (see {@link TurnBatcher}). Writes leave in append
 * order, and `query` and `prune` send what is waiting before their own commands, so they
 * see every record appended before them. A failed write fails every append in it.
 */
export class RedisAuditStore implements AuditStore {
  readonly #redis: RedisClient
  readonly #keys: RedisKeys
  readonly #maxEntries: number
  readonly #enqueue: boolean
  readonly #onError: (error: unknown) => void
  // Identical records must stay distinct members, and records of one instance within one
  // millisecond keep their order (members of equal score sort by their bytes).
  readonly #instance = randomBytes(6).toString('base64url')
  #counter = 0
  readonly #batch = new TurnBatcher<Append>((appends) => this.#write(appends))

  constructor(redis: RedisClient, keys: RedisKeys, options: RedisAuditOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries: expected a positive integer')
    this.#redis = redis
    this.#keys = keys
    this.#maxEntries = maxEntries
    this.#enqueue = (options.append ?? 'enqueue') === 'enqueue'
    this.#onError = options.onError ?? ((error: unknown) => console.error('portcullis: audit append to Redis failed', error))
  }

  append(record: AuditRecord): void | Promise<void> {
    const member = `${this.#instance}${(this.#counter++).toString(36).padStart(10, '0')}:${JSON.stringify(record)}`
    if (this.#enqueue && this.#redis.status === 'ready') {
      this.#batch.add({ time: record.time, member })
      return
    }
    return new Promise((resolve, reject) => this.#batch.add({ time: record.time, member, resolve, reject }))
  }

  #write(appends: readonly Append[]): void {
    const key = this.#keys.auditLog
    const scored: (string | number)[] = []
    for (const append of appends) scored.push(append.time, append.member)
    // Plain commands, not a script: a write must keep its place in the connection's
    // order (a script unknown to a restarted server would be re-sent later). Trimming
    // needs no atomicity with the add: a trim missed in a crash happens next time.
    Promise.all([this.#redis.zadd(key, ...scored), this.#redis.zremrangebyrank(key, 0, -this.#maxEntries - 1)]).then(
      () => {
        for (const append of appends) append.resolve?.()
      },
      (error: unknown) => {
        let enqueued = false
        for (const append of appends) {
          if (append.reject) append.reject(error)
          else enqueued = true
        }
        if (enqueued) this.#onError(error)
      },
    )
  }

  async query(filter: AuditQuery = {}): Promise<readonly AuditRecord[]> {
    const limit = filter.limit ?? Infinity
    if (limit <= 0) return []
    this.#batch.flush()
    const key = this.#keys.auditLog
    const filtered = filter.user !== undefined || filter.outcome !== undefined
    const size = filtered ? page : Math.min(limit, page)
    const out: AuditRecord[] = []
    const seen = new Set<string>()
    // Walk newest first by rank. An append during the walk shifts ranks by one: the
    // record read twice is skipped by its member id. Retention removes the oldest,
    // behind the walk, so it shifts nothing already read.
    let rank = filter.to === undefined ? 0 : await this.#redis.zcount(key, filter.to, '+inf')
    for (;;) {
      const reply = await this.#redis.zrange(key, rank, rank + size - 1, 'REV', 'WITHSCORES')
      for (let i = 0; i < reply.length; i += 2) {
        const member = reply[i]!
        const time = Number(reply[i + 1])
        if (filter.to !== undefined && time >= filter.to) continue
        if (filter.from !== undefined && time < filter.from) return out
        const id = member.slice(0, memberPrefix)
        if (seen.has(id)) continue
        seen.add(id)
        const record = Object.freeze(JSON.parse(member.slice(memberPrefix)) as AuditRecord)
        if (filter.user !== undefined && record.user !== filter.user) continue
        if (filter.outcome !== undefined && record.outcome !== filter.outcome) continue
        out.push(record)
        if (out.length >= limit) return out
      }
      if (reply.length < size * 2) return out
      rank += size
    }
  }

  async prune(retention: AuditRetention): Promise<number> {
    if (retention.before === undefined && retention.keep === undefined) return 0
    this.#batch.flush()
    const removed = await runScript(this.#redis, pruneAuditScript, [this.#keys.auditLog], [retention.before ?? '', retention.keep ?? ''])
    return Number(removed)
  }
}
