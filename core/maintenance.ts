import type { Stores } from '../storage/types.ts'
import type { Config } from './config/load.ts'
import { TokenService } from './tokens/service.ts'

const dayMs = 86_400_000

/** What one maintenance run removed. */
export interface MaintenanceReport {
  /** Audit records removed by `audit.retentionDays` and `audit.maxEntries`. */
  readonly auditRecordsRemoved: number
  /** Tokens removed by `apiTokens.deleteExpiredAfterDays`. */
  readonly tokensDeleted: number
}

/** Applies the retention settings once. */
export async function runMaintenance(config: Config, stores: Stores, now: () => number): Promise<MaintenanceReport> {
  let auditRecordsRemoved = 0
  const { retentionDays, maxEntries } = config.audit
  if (stores.audit && (retentionDays !== undefined || maxEntries !== undefined)) {
    auditRecordsRemoved = await stores.audit.prune({
      ...(retentionDays !== undefined && { before: now() - retentionDays * dayMs }),
      ...(maxEntries !== undefined && { keep: maxEntries }),
    })
  }
  let tokensDeleted = 0
  const days = config.apiTokens.deleteExpiredAfterDays
  if (days !== undefined) {
    const service = new TokenService(config, stores, { method: '-', path: '-', client: 'maintenance' }, now)
    tokensDeleted = (await service.purgeExpired(days)).length
  }
  return { auditRecordsRemoved, tokensDeleted }
}

/** A running maintenance schedule. */
export interface MaintenanceSchedule {
  /** Stops the schedule; a run under way finishes. */
  stop(): void
}

/** Options of `Portcullis.startMaintenance`. */
export interface MaintenanceOptions {
  /** Time between runs; the first run starts at once. Default one hour. */
  readonly intervalMs?: number
  /** Called with each run's report. */
  readonly onRun?: (report: MaintenanceReport) => void
  /** Called when a run fails; the schedule keeps going. Defaults to `console.error`. */
  readonly onError?: (error: unknown) => void
}

/**
 * Runs `run` now and then every `intervalMs`, never two at once. The timer does not keep
 * a Node process alive on its own.
 */
export function schedule(run: () => Promise<MaintenanceReport>, options: MaintenanceOptions = {}): MaintenanceSchedule {
  const intervalMs = options.intervalMs ?? 3_600_000
  if (!Number.isInteger(intervalMs) || intervalMs < 1000) throw new TypeError('intervalMs: expected an integer of at least 1000')
  const onError = options.onError ?? ((error: unknown) => console.error('portcullis: maintenance failed', error))
  let running = false
  const tick = () => {
    if (running) return
    running = true
    // onRun inside the chain: a throwing callback is reported, not an unhandled rejection.
    run().then((report) => options.onRun?.(report)).catch(onError).finally(() => (running = false))
  }
  const timer: unknown = setInterval(tick, intervalMs)
  // Node's timers have unref(); Deno's and the web's are plain numbers.
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') timer.unref()
  tick()
  return { stop: () => clearInterval(timer as ReturnType<typeof setInterval>) }
}
