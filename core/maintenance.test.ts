import { beforeEach, describe, expect, it } from 'vitest'
import { memoryStores, type MemoryStores } from '../storage/memory/index.ts'
import type { AuditRecord, AuditStore, TokenRecord } from '../storage/types.ts'
import { loadConfig } from './config/load.ts'
import { runMaintenance, schedule, type MaintenanceReport } from './maintenance.ts'
import { createPortcullis } from './portcullis.ts'

const now = Date.UTC(2025, 0, 15, 12, 0, 0)
const dayMs = 86_400_000

const entry = (time: number): AuditRecord => ({
  time,
  event: 'authenticate',
  outcome: 'success',
  reason: 'password',
  user: 'alice',
  method: 'GET',
  path: '/rest/api',
  client: '192.0.2.1',
})

let serial = 0
const token = (expiresAt: number | null, owner = 'alice'): TokenRecord => {
  serial++
  return { id: `t${serial}`, hash: serial.toString(16).padStart(64, '0'), owner, name: `t${serial}`, createdAt: 0, expiresAt, createdBy: owner }
}

describe('runMaintenance', () => {
  let stores: MemoryStores

  beforeEach(() => {
    stores = memoryStores({ passwordIterations: 1000 })
  })

  const auditTimes = () => stores.audit.query().map((r) => r.time)

  it('does nothing when no retention is configured', async () => {
    for (const time of [now - 400 * dayMs, now]) stores.audit.append(entry(time))
    stores.tokens.insert(token(now - 400 * dayMs), 10)
    expect(await runMaintenance(loadConfig({}), stores, () => now)).toEqual({ auditRecordsRemoved: 0, tokensDeleted: 0 })
    expect(auditTimes()).toHaveLength(2)
    expect(stores.tokens.listByOwner('alice')).toHaveLength(1)
  })

  it('removes audit records older than retentionDays, by the injected clock', async () => {
    for (const time of [now - 31 * dayMs, now - 30 * dayMs - 1, now - 30 * dayMs, now - dayMs, now]) stores.audit.append(entry(time))
    const config = loadConfig({ audit: { retentionDays: 30 } })
    expect(await runMaintenance(config, stores, () => now)).toEqual({ auditRecordsRemoved: 2, tokensDeleted: 0 })
    expect(auditTimes()).toEqual([now, now - dayMs, now - 30 * dayMs])
    expect(await runMaintenance(config, stores, () => now + dayMs)).toEqual({ auditRecordsRemoved: 1, tokensDeleted: 0 })
  })

  it('keeps only the newest maxEntries records', async () => {
    for (let i = 5; i >= 1; i--) stores.audit.append(entry(now - i))
    expect(await runMaintenance(loadConfig({ audit: { maxEntries: 2 } }), stores, () => now)).toEqual({ auditRecordsRemoved: 3, tokensDeleted: 0 })
    expect(auditTimes()).toEqual([now - 1, now - 2])
  })

  it('applies retentionDays and maxEntries together', async () => {
    for (const time of [now - 10 * dayMs, now - 3, now - 2, now - 1]) stores.audit.append(entry(time))
    const config = loadConfig({ audit: { retentionDays: 7, maxEntries: 2 } })
    expect((await runMaintenance(config, stores, () => now)).auditRecordsRemoved).toBe(2)
    expect(auditTimes()).toEqual([now - 1, now - 2])
  })

  it('prunes even when audit is switched off (retention still applies to what was written)', async () => {
    stores.audit.append(entry(now - 10 * dayMs))
    expect((await runMaintenance(loadConfig({ audit: { enabled: false, retentionDays: 1 } }), stores, () => now)).auditRecordsRemoved).toBe(1)
  })

  it('works without an audit store', async () => {
    const { audit: _audit, ...withoutAudit } = stores
    expect(await runMaintenance(loadConfig({ audit: { retentionDays: 1, maxEntries: 1 } }), withoutAudit, () => now)).toEqual({
      auditRecordsRemoved: 0,
      tokensDeleted: 0,
    })
  })

  it('deletes tokens expired more than deleteExpiredAfterDays ago, of every owner, and audits each', async () => {
    const old = token(now - 8 * dayMs)
    const edge = token(now - 7 * dayMs)
    const recent = token(now - 7 * dayMs + 1)
    const valid = token(now + dayMs)
    const never = token(null)
    const bobs = token(now - 100 * dayMs, 'bob')
    for (const record of [old, edge, recent, valid, never, bobs]) stores.tokens.insert(record, 10)
    const report = await runMaintenance(loadConfig({ apiTokens: { deleteExpiredAfterDays: 7 } }), stores, () => now)
    expect(report).toEqual({ auditRecordsRemoved: 0, tokensDeleted: 3 })
    expect(stores.tokens.listByOwner('alice').map((r) => r.id).sort()).toEqual([recent.id, valid.id, never.id].sort())
    expect(stores.tokens.listByOwner('bob')).toEqual([])
    const audited = stores.audit.query({ from: now, to: now + 1 })
    expect(audited.map((r) => [r.event, r.tokenId, r.owner, r.client]).sort()).toEqual(
      [old, edge, bobs].map((r) => ['token.delete-expired', r.id, r.owner, 'maintenance']).sort(),
    )
    expect(audited.every((r) => r.user === undefined)).toBe(true)
  })

  it('prunes the audit log before writing the deletion records, so they survive the run', async () => {
    stores.tokens.insert(token(now - 30 * dayMs), 10)
    stores.audit.append(entry(now - 30 * dayMs))
    const config = loadConfig({ audit: { retentionDays: 1, maxEntries: 1 }, apiTokens: { deleteExpiredAfterDays: 1 } })
    expect(await runMaintenance(config, stores, () => now)).toEqual({ auditRecordsRemoved: 1, tokensDeleted: 1 })
    expect(stores.audit.query().map((r) => r.event)).toEqual(['token.delete-expired'])
  })

  it('rejects when a store fails, so the scheduler can report it', async () => {
    const failing: AuditStore = { append: () => undefined, query: () => [], prune: () => Promise.reject(new Error('disk gone')) }
    await expect(runMaintenance(loadConfig({ audit: { retentionDays: 1 } }), { ...stores, audit: failing }, () => now)).rejects.toThrow('disk gone')
  })
})

describe('schedule', () => {
  /**
   * Swaps the global timer functions for the length of `body`, recording what the
   * scheduler registers; the registered callback is then ticked by hand.
   */
  async function withFakeTimers(body: (timers: { callback: () => void; intervalMs: number; cleared: boolean }[]) => Promise<void>): Promise<void> {
    const realSet = globalThis.setInterval
    const realClear = globalThis.clearInterval
    const timers: { callback: () => void; intervalMs: number; cleared: boolean }[] = []
    globalThis.setInterval = ((callback: () => void, intervalMs: number) => {
      timers.push({ callback, intervalMs, cleared: false })
      return timers.length
    }) as typeof setInterval
    globalThis.clearInterval = ((id: number) => {
      timers[id - 1]!.cleared = true
    }) as typeof clearInterval
    try {
      await body(timers)
    } finally {
      globalThis.setInterval = realSet
      globalThis.clearInterval = realClear
    }
  }

  const report: MaintenanceReport = { auditRecordsRemoved: 0, tokensDeleted: 0 }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

  it('runs at once, then on every tick of the interval, until stopped', async () => {
    await withFakeTimers(async (timers) => {
      let runs = 0
      const reports: MaintenanceReport[] = []
      const running = schedule(
        async () => {
          runs++
          return { auditRecordsRemoved: runs, tokensDeleted: 0 }
        },
        { intervalMs: 5_000, onRun: (r) => reports.push(r) },
      )
      expect(runs).toBe(1)
      expect(timers).toHaveLength(1)
      expect(timers[0]!.intervalMs).toBe(5_000)
      await settle()
      timers[0]!.callback()
      await settle()
      expect(reports.map((r) => r.auditRecordsRemoved)).toEqual([1, 2])
      running.stop()
      expect(timers[0]!.cleared).toBe(true)
    })
  })

  it('defaults to one hour', async () => {
    await withFakeTimers(async (timers) => {
      schedule(async () => report).stop()
      expect(timers[0]!.intervalMs).toBe(3_600_000)
    })
  })

  it('never starts a run while the previous one is under way', async () => {
    await withFakeTimers(async (timers) => {
      let runs = 0
      let finish: () => void = () => {}
      const running = schedule(
        () => {
          runs++
          return new Promise<MaintenanceReport>((resolve) => (finish = () => resolve(report)))
        },
        { intervalMs: 1_000 },
      )
      timers[0]!.callback()
      timers[0]!.callback()
      expect(runs).toBe(1)
      finish()
      await settle()
      timers[0]!.callback()
      expect(runs).toBe(2)
      running.stop()
    })
  })

  it('reports a failed run to onError and keeps going', async () => {
    await withFakeTimers(async (timers) => {
      const errors: unknown[] = []
      let runs = 0
      const running = schedule(
        async () => {
          if (++runs === 1) throw new Error('store down')
          return report
        },
        { intervalMs: 1_000, onError: (e) => errors.push(e) },
      )
      await settle()
      expect(errors).toHaveLength(1)
      expect((errors[0] as Error).message).toBe('store down')
      timers[0]!.callback()
      await settle()
      expect(runs).toBe(2)
      expect(errors).toHaveLength(1)
      running.stop()
    })
  })

  it('refuses an interval under one second or not an integer', () => {
    for (const intervalMs of [0, 999, -1, 1000.5, Number.NaN]) {
      expect(() => schedule(async () => report, { intervalMs })).toThrow(TypeError)
    }
  })
})

describe('Portcullis maintenance', () => {
  it('maintain() applies the configured retention once', async () => {
    const stores = memoryStores({ passwordIterations: 1000 })
    stores.audit.append(entry(now - 2 * dayMs))
    stores.audit.append(entry(now))
    const portcullis = createPortcullis({ config: { audit: { retentionDays: 1 } }, stores, now: () => now })
    expect(await portcullis.maintain()).toEqual({ auditRecordsRemoved: 1, tokensDeleted: 0 })
  })

  it('startMaintenance() runs at once on the real timer, and stop() stops it', async () => {
    const stores = memoryStores({ passwordIterations: 1000 })
    stores.audit.append(entry(now - 2 * dayMs))
    stores.tokens.insert(token(now - 10 * dayMs), 10)
    const portcullis = createPortcullis({
      config: { audit: { retentionDays: 1 }, apiTokens: { deleteExpiredAfterDays: 1 } },
      stores,
      now: () => now,
    })
    let resolveFirst: (report: MaintenanceReport) => void = () => {}
    const first = new Promise<MaintenanceReport>((resolve) => (resolveFirst = resolve))
    const errors: unknown[] = []
    const running = portcullis.startMaintenance({ intervalMs: 1000, onRun: resolveFirst, onError: (e) => errors.push(e) })
    try {
      expect(await first).toEqual({ auditRecordsRemoved: 1, tokensDeleted: 1 })
    } finally {
      running.stop()
    }
    expect(errors).toEqual([])
  })
})
