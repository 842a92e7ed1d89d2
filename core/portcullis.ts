import type { AuditRecord, Awaitable, Stores } from '../storage/types.ts'
import { logLine } from './audit/log-line.ts'
import { loadConfig, type Config } from './config/load.ts'
import type { ConfigInput } from './config/schema.ts'
import type { Decision, Outcome } from './decision.ts'
import { isThenable } from './awaitable.ts'
import { testToken, type TestableTokenType, type TokenDiagnosis } from './diagnostics/test-token.ts'
import { decide } from './engine.ts'
import { deny } from './errors/deny.ts'
import { normalizePath } from './http/path.ts'
import type { SignatureCheck } from './providers/jwt-verifier.ts'
import { createProviders } from './providers/runtime.ts'
import { guardStores } from './stores/guard.ts'
import { runMaintenance, schedule, type MaintenanceOptions, type MaintenanceReport, type MaintenanceSchedule } from './maintenance.ts'
import type { AuthRequest } from './request.ts'
import { handleTokenRoute, tokenRoute } from './tokens/routes.ts'
import { TokenService } from './tokens/service.ts'

/** What {@link createPortcullis} needs. */
export interface PortcullisOptions {
  /** A config from {@link loadConfig}, or raw input to validate now. */
  readonly config: Config | ConfigInput
  readonly stores: Stores
  /** The clock, epoch milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number
  /** For identity-provider calls (JWKS, introspection). Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch
  /**
   * A faster JWT signature check for this runtime, such as `nodeSignatureCheck` from
   * `portcullis/node`. Without one, jose verifies through WebCrypto (on every runtime).
   */
  readonly signatureCheck?: SignatureCheck
  /** Receives one line per audited outcome (see {@link logLine}); no secret ever reaches it. */
  readonly log?: (line: string, record: AuditRecord) => void
}

/** An engine bound to its config and stores: what adapters call. */
export interface Portcullis {
  readonly config: Config
  /**
   * Authenticates the request, serves the token API when it is addressed, and appends
   * the audit record. Never throws for a bad request.
   *
   * Returns the outcome itself when every store it needed answered synchronously (memory,
   * SQLite), a promise otherwise, as Hono's `app.fetch` does: `await` works either way,
   * and an adapter that checks can answer in the same tick.
   */
  handle(request: AuthRequest): Outcome | Promise<Outcome>
  /** Token management for programmatic use (the HTTP routes call the same service). */
  tokens(origin?: { method: string; path: string; client: string }): TokenService
  /** The test-token diagnostic: whether a token is valid, whose it is, and why not. */
  testToken(type: TestableTokenType, token: string): Promise<TokenDiagnosis>
  /** Applies audit retention and deletes long-expired tokens once. */
  maintain(): Promise<MaintenanceReport>
  /** Runs {@link Portcullis.maintain} now and on a schedule until `stop()`. */
  startMaintenance(options?: MaintenanceOptions): MaintenanceSchedule
}

/**
 * Binds the engine to a config and stores.
 *
 * @example
 * ```ts
 * import { createPortcullis } from 'portcullis'
 * import { memoryStores } from 'portcullis/storage/memory'
 *
 * const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores: memoryStores() })
 * const outcome = await portcullis.handle({ method: 'GET', target: '/rest/api/2/myself', headers: new Headers(), peer: '127.0.0.1' })
 * ```
 */
export function createPortcullis(options: PortcullisOptions): Portcullis {
  const config = 'compiled' in options.config ? options.config : loadConfig(options.config)
  const { log } = options
  // Each switch that needs a store of its own: refused now, not as a 503 on every request.
  const needed: readonly [boolean, keyof Stores, string, string][] = [
    [config.rateLimit.enabled, 'rateLimit', 'rateLimit.enabled', 'the rate-limit counters'],
    [config.hostTokens.enabled, 'hostTokens', 'hostTokens.enabled', "the verifier of the host's personal access tokens"],
    [config.hostTokens.oauth, 'hostOAuthTokens', 'hostTokens.oauth', "the verifier of the host's OAuth access tokens"],
  ]
  for (const [on, store, setting, what] of needed) {
    if (on && !options.stores[store]) throw Object.assign(new TypeError(`${setting} is on but stores.${store} (${what}) is missing`), { code: 'ERR_PORTCULLIS_STORES' })
  }
  const stores = guardStores(options.stores, config)
  const now = options.now ?? Date.now
  const providers = createProviders(config, { now, signatureCheck: options.signatureCheck, ...(options.fetch && { fetch: options.fetch }) })
  const audit = config.audit.enabled ? stores.audit : undefined

  function handle(request: AuthRequest): Awaitable<Outcome> {
    try {
      const segments = normalizePath(request.target)
      const decided = decide(request, segments, config, stores, providers, now())
      return isThenable(decided) ? decided.then((decision) => serve(request, segments, decision)) : serve(request, segments, decided)
    } catch (error) {
      // A fault outside every store call (a throwing header reader) rejects, as it always did: callers handle one kind of failure.
      return Promise.reject(error)
    }
  }

  /** Answers the token API for an allowed caller who addressed it, then records the outcome. */
  function serve(request: AuthRequest, segments: string[] | null, decision: Decision): Awaitable<Outcome> {
    if (decision.kind !== 'allow') return record(decision)
    const rest = tokenRoute(segments!, config)
    if (!rest) return record(decision)
    const caller = decision
    return handleTokenRoute(request, rest, caller, config, stores, providers, now).then(
      (answer): Outcome => ({ ...answer, headers: { ...caller.headers, ...answer.headers } }),
      () => deny('store_unavailable', 'none', { ...caller.audit, time: now() }, config, caller.user.username),
    ).then(record)
  }

  function record(outcome: Outcome): Awaitable<Outcome> {
    // Other passes are outside Portcullis's remit: auditing them would flood the log with the host's traffic.
    if (outcome.kind === 'pass' && outcome.reason !== 'bypass') return outcome
    if (!audit) return logged(outcome)
    // A store already failed this request: try the audit write but do not wait for it, so
    // the 503 goes out within one store timeout rather than two.
    if (outcome.kind === 'deny' && outcome.error === 'store_unavailable') {
      try {
        Promise.resolve(audit.append(outcome.audit)).catch(() => {})
      } catch {
        // A synchronous store that failed the request throws here too: the 503 still goes out.
      }
      return logged(outcome)
    }
    try {
      // A synchronous store (memory, SQLite) returns nothing, and the outcome goes out in the same tick.
      const appended = audit.append(outcome.audit)
      if (appended) return appended.then(() => logged(outcome), () => unaudited(outcome))
    } catch {
      return unaudited(outcome)
    }
    return logged(outcome)
  }

  /** The audit write failed: the request is refused (fail closed). */
  function unaudited(outcome: Outcome): Outcome {
    return logged(deny('store_unavailable', 'none', outcome.audit, config))
  }

  /** Hands the log line of what the client gets to the host's logger, whose failure must not change the answer. */
  function logged(outcome: Outcome): Outcome {
    if (log) {
      try {
        log(logLine(outcome.audit), outcome.audit)
      } catch {}
    }
    return outcome
  }

  const maintain = () => runMaintenance(config, stores, now)

  return {
    config,
    handle,
    tokens: (origin = { method: '-', path: '-', client: 'local' }) => new TokenService(config, stores, origin, now),
    maintain,
    testToken: (type, token) => testToken(type, token, config, stores, providers, now()),
    startMaintenance: (scheduleOptions) => schedule(maintain, scheduleOptions),
  }
}
